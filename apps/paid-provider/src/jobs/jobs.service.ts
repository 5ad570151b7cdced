import { APP_CONFIG } from '@app/config';
import type { JobKind } from '@app/contracts';
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
import type { PaidProviderConfig } from '../paid-provider.config';
import { UsageLedger } from '../usage/usage.ledger';

/** A job result and what it was billed. */
export interface Billed<T> {
  result: T;
  costMicros: number;
}

/**
 * Runs the shared processors after the configured latency and bills each success: a coupon
 * job costs its price per code, the others a price per call. Failed jobs cost nothing.
 */
@Injectable()
export class JobsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: PaidProviderConfig,
    private readonly ledger: UsageLedger,
  ) {}

  async message(dto: MessageJobDto): Promise<Billed<MessageAnalysis>> {
    await this.latency();
    return this.bill('message', analyzeMessage(dto), this.config.PAID_PRICE_MESSAGE_MICROS);
  }

  async coupons(dto: CouponJobDto): Promise<Billed<CouponBatch>> {
    await this.latency();
    const batch = generateCoupons(dto);
    return this.bill('coupon', batch, this.config.PAID_PRICE_COUPON_MICROS * batch.codes.length);
  }

  async qr(dto: QrJobDto): Promise<Billed<QrImage>> {
    await this.latency();
    return this.bill('qr', await renderQr(dto), this.config.PAID_PRICE_QR_MICROS);
  }

  private bill<T>(kind: JobKind, result: T, costMicros: number): Billed<T> {
    this.ledger.record(kind, costMicros);
    return { result, costMicros };
  }

  private async latency(): Promise<void> {
    if (this.config.PAID_LATENCY_MS > 0) await sleep(this.config.PAID_LATENCY_MS);
  }
}
