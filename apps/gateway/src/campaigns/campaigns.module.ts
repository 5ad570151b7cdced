import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { StockRefiller } from './stock-refiller';

/** POST/GET /campaigns (GATEWAY_MODE all or api). CampaignStore lives in RoutingModule. */
@Module({
  imports: [RoutingModule],
  controllers: [CampaignsController],
  providers: [CampaignsService],
})
export class CampaignsApiModule {}

/** The coupon stock refiller (GATEWAY_MODE all or worker). */
@Module({
  imports: [RoutingModule],
  providers: [StockRefiller],
})
export class CampaignStockModule {}
