import { JobsModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { CampaignStore } from '../campaigns/campaign-store';
import { CouponStore } from '../coupons/coupon-store';
import { CouponsService } from '../coupons/coupons.service';
import { FreeProviderClient, PaidProviderClient } from '../providers/provider-clients';
import { FreeQuotaService } from '../quota/free-quota.service';
import { JobRouter } from './job-router.service';
import { RouteEvents } from './route-events';

/** Quota, provider clients and the router: used by the HTTP API and the job workers alike. */
@Module({
  imports: [JobsModule],
  providers: [
    FreeQuotaService,
    FreeProviderClient,
    PaidProviderClient,
    JobRouter,
    RouteEvents,
    CouponStore,
    CouponsService,
    CampaignStore,
  ],
  exports: [FreeQuotaService, JobRouter, RouteEvents, CouponStore, CouponsService, CampaignStore],
})
export class RoutingModule {}
