import { CurrentUser, JwtAuthGuard } from '@app/auth';
import type { AuthenticatedUser } from '@app/contracts';
import { QR_IMAGE_CONTENT, QrJobDto, type QrImage } from '@app/jobs';
import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UserRateLimitGuard } from '../rate-limit/user-rate-limit.guard';
import { JobRouter } from '../routing/job-router.service';
import { announceRoute, routeContext } from '../routing/route-context';

@ApiTags('jobs')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard, UserRateLimitGuard)
@Controller('qr')
export class QrController {
  constructor(private readonly router: JobRouter) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a QR code; the answer is the image itself' })
  @ApiResponse({ status: 200, content: QR_IMAGE_CONTENT })
  async render(
    @Body() dto: QrJobDto,
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const context = routeContext(request, user);
    const routed = await this.router.route(
      {
        kind: 'qr',
        body: {
          data: dto.data,
          format: dto.format,
          size: dto.size,
          ecLevel: dto.ecLevel,
          margin: dto.margin,
        },
      },
      context,
    );
    announceRoute(request, reply, context, routed);
    const image = routed.value as QrImage;
    void reply.type(image.contentType);
    return image.bytes;
  }
}
