import {
  CouponBatch,
  CouponJobDto,
  MessageAnalysis,
  MessageJobDto,
  PROVIDER_JOB_PATHS,
  QR_IMAGE_CONTENT,
  QrJobDto,
  IdempotencyInterceptor,
} from '@app/jobs';
import { Body, Controller, HttpCode, Post, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiBadRequestResponse({ description: 'Invalid body (problem+json with errors[]); still counted.' })
@ApiTooManyRequestsResponse({
  description: 'Quota used up: blocked until the reset (problem+json, Retry-After).',
})
// A retried job (same Idempotency-Key) is answered from the first run, not done again.
@UseInterceptors(IdempotencyInterceptor)
@Controller()
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post(PROVIDER_JOB_PATHS.message)
  @HttpCode(200)
  @ApiOperation({ summary: 'Analyse a message' })
  @ApiOkResponse({ type: MessageAnalysis })
  message(@Body() dto: MessageJobDto): Promise<MessageAnalysis> {
    return this.jobs.message(dto);
  }

  @Post(PROVIDER_JOB_PATHS.coupon)
  @HttpCode(200)
  @ApiOperation({ summary: 'Generate coupon codes' })
  @ApiOkResponse({ type: CouponBatch })
  coupons(@Body() dto: CouponJobDto): Promise<CouponBatch> {
    return this.jobs.coupons(dto);
  }

  @Post(PROVIDER_JOB_PATHS.qr)
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a QR code' })
  @ApiProduces(...Object.keys(QR_IMAGE_CONTENT))
  @ApiOkResponse({ description: 'The image bytes.', content: QR_IMAGE_CONTENT })
  @ApiUnprocessableEntityResponse({
    description: 'Data too long for the level, or size too small.',
  })
  async qr(
    @Body() dto: QrJobDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const image = await this.jobs.qr(dto);
    void reply.type(image.contentType);
    return image.bytes;
  }
}
