import type { AuthenticatedUser } from '@app/contracts';
import { ConflictError, ForbiddenError, NotFoundError } from '@app/http';
import type { CouponBatch } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JobRouter, type RouteContext, type RoutedJob } from '../routing/job-router.service';
import { presentCoupon } from './coupon-qr';
import { CouponStore } from './coupon-store';
import type { CouponBatchResponseDto, IssueCouponsDto } from './coupons.dto';
import { CouponStateDto } from './coupons.dto';

/** A clash of 60 random bits is not expected in this universe; three tries is plenty. */
const ISSUE_ATTEMPTS = 3;

@Injectable()
export class CouponsService {
  constructor(
    private readonly router: JobRouter,
    private readonly store: CouponStore,
  ) {}

  async issue(
    dto: IssueCouponsDto,
    context: RouteContext,
  ): Promise<{ body: CouponBatchResponseDto; routed: RoutedJob }> {
    for (let attempt = 1; ; attempt++) {
      const routed = await this.router.route(
        { kind: 'coupon', body: { campaign: dto.campaign, count: dto.count } },
        context,
      );
      const batch = routed.value as CouponBatch;
      if (await this.store.issue(batch.codes, dto.campaign, context.user.id)) {
        const body: CouponBatchResponseDto = {
          id: randomUUID(),
          kind: 'coupon',
          provider: routed.provider,
          coupons: await Promise.all(
            batch.codes.map((code) => presentCoupon(code, dto.campaign, dto.qr)),
          ),
        };
        return { body, routed };
      }
      if (attempt >= ISSUE_ATTEMPTS)
        throw new ConflictError('coupon-clash', 'Could not issue unique codes.');
    }
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
