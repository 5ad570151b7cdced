import { CurrentUser, JwtAuthGuard } from '@app/auth';
import type { AuthenticatedUser } from '@app/contracts';
import { MessageJobDto, type MessageAnalysis } from '@app/jobs';
import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { UserRateLimitGuard } from '../rate-limit/user-rate-limit.guard';
import { JobRouter } from '../routing/job-router.service';
import { announceRoute, routeContext } from '../routing/route-context';
import { MessageResponseDto } from './messages.dto';

@ApiTags('jobs')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard, UserRateLimitGuard)
@Controller('messages')
export class MessagesController {
  constructor(private readonly router: JobRouter) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Analyse a message on free while quota lasts, else paid (paid plans)' })
  @ApiResponse({ status: 200, type: MessageResponseDto })
  async analyse(
    @Body() dto: MessageJobDto,
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponseDto> {
    const context = routeContext(request, user);
    const routed = await this.router.route({ kind: 'message', body: { text: dto.text } }, context);
    announceRoute(request, reply, context, routed);
    return {
      id: randomUUID(),
      kind: 'message',
      provider: routed.provider,
      result: routed.value as MessageAnalysis,
    };
  }
}
