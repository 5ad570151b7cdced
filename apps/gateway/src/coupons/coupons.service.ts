import { APP_CONFIG } from '@app/config';
import type { AuthenticatedUser } from '@app/contracts';
import { ConflictError, ForbiddenError, NotFoundError } from '@app/http';
import type { CouponBatch } from '@app/jobs';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CampaignStore, type LiveReservation } from '../campaigns/campaign-store';
import { CampaignLimitReachedError } from '../campaigns/campaigns.errors';
import type { GatewayConfig } from '../gateway.config';
import { JobRouter, type RouteContext, type RoutedJob } from '../routing/job-router.service';
import { presentCoupon } from './coupon-qr';
import { CouponStore } from './coupon-store';
import type { CouponBatchResponseDto, IssueCouponsDto } from './coupons.dto';
import { CouponStateDto } from './coupons.dto';

/** A clash of 60 random bits is not expected in this universe; three tries is plenty. */
const ISSUE_ATTEMPTS = 3;
/** Slack on top of the provider timeouts before a live issue's hold on the limit lapses. */
const RESERVATION_SLACK_MS = 10_000;

/** `routed` is null when the coupons came from stock (made earlier on free, no call now). */
export interface IssuedCoupons {
  body: CouponBatchResponseDto;
  routed: RoutedJob | null;
}

@Injectable()
export class CouponsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly router: JobRouter,
    private readonly store: CouponStore,
    private readonly campaigns: CampaignStore,
  ) {}

  /**
   * A created campaign's coupons come from its stock when it holds enough, else from a
   * provider call held against the campaign's limit; any other campaign name is issued
   * live as an ad-hoc campaign, without a limit.
   */
  async issue(dto: IssueCouponsDto, context: RouteContext): Promise<IssuedCoupons> {
    const take = await this.campaigns.take(dto.campaign, dto.count, context.user.id, context.jobId);
    if (take.type !== 'missing') this.campaigns.requestRefill(dto.campaign);
    switch (take.type) {
      case 'missing':
        return this.issueAdHoc(dto, context);
      case 'limit':
        throw new CampaignLimitReachedError(dto.campaign, dto.count, take.available);
      case 'short':
        return this.issueForCampaign(dto, context);
      case 'taken':
        return {
          body: {
            id: randomUUID(),
            kind: 'coupon',
            provider: 'free',
            source: 'stock',
            coupons: take.coupons.map(({ code, qr }) =>
              dto.qr ? { code, campaign: dto.campaign, qr } : { code, campaign: dto.campaign },
            ),
          },
          routed: null,
        };
    }
  }

  private async issueAdHoc(dto: IssueCouponsDto, context: RouteContext): Promise<IssuedCoupons> {
    for (let attempt = 1; ; attempt++) {
      const routed = await this.router.route(
        { kind: 'coupon', body: { campaign: dto.campaign, count: dto.count } },
        context,
      );
      const batch = routed.value as CouponBatch;
      if (await this.store.issue(batch.codes, dto.campaign, context.user.id)) {
        return { body: await this.liveBody(dto, routed, batch.codes), routed };
      }
      if (attempt >= ISSUE_ATTEMPTS) throw this.clash();
    }
  }

  /** The stock cannot cover the request: hold `count` of the limit, then call a provider. */
  private async issueForCampaign(
    dto: IssueCouponsDto,
    context: RouteContext,
  ): Promise<IssuedCoupons> {
    const ttlMs =
      (context.waitMs ?? 0) +
      this.config.FREE_TIMEOUT_MS +
      2 * this.config.PAID_TIMEOUT_MS +
      RESERVATION_SLACK_MS;
    const held = await this.campaigns.reserve(dto.campaign, dto.count, ttlMs);
    if (held.type === 'missing') return this.issueAdHoc(dto, context);
    if (held.type === 'limit')
      throw new CampaignLimitReachedError(dto.campaign, dto.count, held.available);
    const { reservation } = held;
    let settled = false;
    try {
      for (let attempt = 1; attempt <= ISSUE_ATTEMPTS; attempt++) {
        const routed = await this.router.route(
          {
            kind: 'coupon',
            body: { campaign: reservation.prefix.toLowerCase(), count: dto.count },
          },
          context,
        );
        const { codes } = routed.value as CouponBatch;
        const result = await this.campaigns.commit(
          reservation,
          codes,
          context.user.id,
          context.jobId,
        );
        if (result === 'clash') continue;
        settled = true;
        if (result === 'limit') throw new CampaignLimitReachedError(dto.campaign, dto.count, 0);
        return { body: await this.liveBody(dto, routed, codes), routed };
      }
      throw this.clash();
    } finally {
      if (!settled) await this.release(reservation);
    }
  }

  private async release(reservation: LiveReservation): Promise<void> {
    // A reservation that cannot be released lapses on its own after its TTL.
    await this.campaigns.release(reservation).catch(() => undefined);
  }

  private async liveBody(
    dto: IssueCouponsDto,
    routed: RoutedJob,
    codes: string[],
  ): Promise<CouponBatchResponseDto> {
    return {
      id: randomUUID(),
      kind: 'coupon',
      provider: routed.provider,
      source: 'live',
      coupons: await Promise.all(codes.map((code) => presentCoupon(code, dto.campaign, dto.qr))),
    };
  }

  private clash(): ConflictError {
    return new ConflictError('coupon-clash', 'Could not issue unique codes.');
  }

  /** The owner and admins see a coupon; anyone else gets the same 404 as for no coupon. */
  async state(code: string, user: AuthenticatedUser): Promise<CouponStateDto> {
    const record = await this.store.find(code);
    if (!record || (record.owner !== user.id && user.role !== 'admin')) {
      throw new NotFoundError(`No coupon ${code}.`);
    }
    return CouponStateDto.from(record);
  }

  async redeem(code: string, user: AuthenticatedUser): Promise<CouponStateDto> {
    const result = await this.store.redeem(code, user.id, user.role === 'admin');
    switch (result) {
      case 'not-found':
        throw new NotFoundError(`No coupon ${code}.`);
      case 'not-owner':
        throw new ForbiddenError(
          'Only the owner of a coupon or an admin may redeem it.',
          'not-owner',
        );
      case 'already-redeemed':
        throw new ConflictError('coupon-already-redeemed', `Coupon ${code} was already redeemed.`);
      case 'redeemed': {
        const record = await this.store.find(code);
        if (!record) throw new NotFoundError(`No coupon ${code}.`);
        return CouponStateDto.from(record);
      }
    }
  }
}
