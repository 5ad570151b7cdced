import {
  COST_HEADER,
  CouponBatch,
  CouponJobDto,
  MessageAnalysis,
  MessageJobDto,
  PROVIDER_JOB_PATHS,
  QR_IMAGE_CONTENT,
  QrJobDto,
  IdempotencyInterceptor,
} from '@app/jobs';
import { Body, Controller, HttpCode, Post, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { JobsService } from './jobs.service';

const COST = {
  [COST_HEADER]: { description: 'What this call was billed, in micro-units (0 on errors).' },
};

@ApiTags('jobs')
@ApiSecurity('api-key')
@ApiHeader({ name: 'X-Api-Key', required: true })
@ApiUnauthorizedResponse({ description: 'Missing or wrong X-Api-Key.' })
@ApiBadRequestResponse({ description: 'Invalid body (problem+json with errors[]).' })
@UseGuards(ApiKeyGuard)
// A retried job (same Idempotency-Key) is answered from the first run, not done again.
@UseInterceptors(IdempotencyInterceptor)
@Controller()
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post(PROVIDER_JOB_PATHS.message)
  @HttpCode(200)
  @ApiOperation({ summary: 'Analyse a message' })
  @ApiOkResponse({ type: MessageAnalysis, headers: COST })
  async message(
    @Body() dto: MessageJobDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageAnalysis> {
    const { result, costMicros } = await this.jobs.message(dto);
    void reply.header(COST_HEADER, String(costMicros));
    return result;
  }

  @Post(PROVIDER_JOB_PATHS.coupon)
  @HttpCode(200)
  @ApiOperation({ summary: 'Generate coupon codes (billed per code)' })
  @ApiOkResponse({ type: CouponBatch, headers: COST })
  async coupons(
    @Body() dto: CouponJobDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CouponBatch> {
    const { result, costMicros } = await this.jobs.coupons(dto);
    void reply.header(COST_HEADER, String(costMicros));
    return result;
  }

  @Post(PROVIDER_JOB_PATHS.qr)
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a QR code' })
  @ApiProduces(...Object.keys(QR_IMAGE_CONTENT))
  @ApiOkResponse({ description: 'The image bytes.', content: QR_IMAGE_CONTENT, headers: COST })
  @ApiUnprocessableEntityResponse({
    description: 'Data too long for the level, or size too small.',
  })
  async qr(
    @Body() dto: QrJobDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const { result, costMicros } = await this.jobs.qr(dto);
    void reply.header(COST_HEADER, String(costMicros)).type(result.contentType);
    return result.bytes;
  }
}
