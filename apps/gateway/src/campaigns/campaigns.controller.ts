import { JwtAuthGuard, Roles, RolesGuard } from '@app/auth';
import { Body, Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CampaignDto, CreateCampaignDto } from './campaigns.dto';
import { CampaignsService } from './campaigns.service';

/** Campaigns are business data (limits, stock, redemption counts): admins only, both ways. */
@ApiTags('campaigns')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a campaign (admin); its coupon stock fills from idle free quota',
  })
  @ApiResponse({ status: 201, type: CampaignDto })
  @ApiResponse({ status: 409, description: 'campaign-exists' })
  create(@Body() dto: CreateCampaignDto): Promise<CampaignDto> {
    return this.campaigns.create(dto);
  }

  @Get(':slug')
  @ApiOperation({ summary: 'A campaign with its issued, redeemed and in-stock counts (admin)' })
  @ApiResponse({ status: 200, type: CampaignDto })
  get(@Param('slug') slug: string): Promise<CampaignDto> {
    return this.campaigns.get(slug);
  }
}
