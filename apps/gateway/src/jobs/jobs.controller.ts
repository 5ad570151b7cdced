import { CurrentUser, JwtAuthGuard } from '@app/auth';
import type { AuthenticatedUser } from '@app/contracts';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UserRateLimitGuard } from '../rate-limit/user-rate-limit.guard';
import { CreateJobDto, JobAcceptedDto, JobStateDto } from './jobs.dto';
import { JobsService } from './jobs.service';

@ApiTags('async jobs')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard, UserRateLimitGuard)
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue a job; it waits for free quota where the plan and deadline allow',
  })
  @ApiResponse({
    status: 202,
    type: JobAcceptedDto,
    headers: { Location: { description: '/jobs/:id' } },
  })
  async create(
    @Body() dto: CreateJobDto,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobAcceptedDto> {
    const accepted = await this.jobs.accept(dto, user);
    void reply.header('Location', `/jobs/${accepted.id}`);
    return accepted;
  }

  @Get(':id')
  @ApiOperation({ summary: 'A job and its result (owner or admin)' })
  @ApiResponse({ status: 200, type: JobStateDto })
  get(
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<JobStateDto> {
    return this.jobs.get(id, user);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel a job that is still queued or deferred (409 otherwise)' })
  @ApiResponse({ status: 200, type: JobStateDto })
  cancel(
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<JobStateDto> {
    return this.jobs.cancel(id, user);
  }
}
