import { APP_CONFIG } from '@app/config';
import {
  analyzeMessage,
  generateCoupons,
  renderQr,
  type CouponBatch,
  type CouponJobDto,
  type MessageAnalysis,
  type MessageJobDto,
  type QrImage,
  type QrJobDto,
} from '@app/jobs';
import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FreeProviderConfig } from '../free-provider.config';

/** Runs the shared processors after the configured upstream latency. */
@Injectable()
export class JobsService {
  constructor(@Inject(APP_CONFIG) private readonly config: FreeProviderConfig) {}

  async message(dto: MessageJobDto): Promise<MessageAnalysis> {
    await this.latency();
    return analyzeMessage(dto);
  }

  async coupons(dto: CouponJobDto): Promise<CouponBatch> {
    await this.latency();
    return generateCoupons(dto);
  }

  async qr(dto: QrJobDto): Promise<QrImage> {
    await this.latency();
    return renderQr(dto);
  }

  private async latency(): Promise<void> {
    if (this.config.FREE_LATENCY_MS > 0) await sleep(this.config.FREE_LATENCY_MS);
  }
}
