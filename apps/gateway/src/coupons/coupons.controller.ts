import { CurrentUser, JwtAuthGuard } from '@app/auth';
import type { AuthenticatedUser } from '@app/contracts';
import { addLogContext } from '@app/http';
import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { announceRoute, PROVIDER_HEADER, routeContext } from '../routing/route-context';
import { UserRateLimitGuard } from '../rate-limit/user-rate-limit.guard';
import { CouponBatchResponseDto, CouponStateDto, IssueCouponsDto } from './coupons.dto';
import { CouponsService } from './coupons.service';

/** 'stock' when the coupons came ready from a campaign's stock, 'live' when a provider made them now. */
export const COUPON_SOURCE_HEADER = 'X-Coupon-Source';

@ApiTags('coupons')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard, UserRateLimitGuard)
@Controller('coupons')
export class CouponsController {
  constructor(private readonly coupons: CouponsService) {}

  @Post()
  @ApiOperation({
    summary:
      "Issue coupon codes, unique across the deployment; a campaign's stock first (X-Coupon-Source: stock|live)",
  })
  @ApiResponse({ status: 201, type: CouponBatchResponseDto })
  @ApiResponse({
    status: 409,
    description: 'campaign-limit-reached: the campaign limit is used up',
  })
  async issue(
    @Body() dto: IssueCouponsDto,
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CouponBatchResponseDto> {
    const context = routeContext(request, user);
    const { body, routed } = await this.coupons.issue(dto, context);
    if (routed) announceRoute(request, reply, context, routed);
    else {
      void reply.header(PROVIDER_HEADER, body.provider);
      addLogContext(request, { provider: body.provider, reason: 'stock' });
    }
    void reply.header(COUPON_SOURCE_HEADER, body.source);
    return body;
  }

  @Get(':code')
  @ApiOperation({ summary: "A coupon's state (owner or admin)" })
  @ApiResponse({ status: 200, type: CouponStateDto })
  state(
    @Param('code') code: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<CouponStateDto> {
    return this.coupons.state(code, user);
  }

  @Post(':code/redeem')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem a coupon: 200 the first time, 409 after (owner or admin)' })
  @ApiResponse({ status: 200, type: CouponStateDto })
  redeem(
    @Param('code') code: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<CouponStateDto> {
    return this.coupons.redeem(code, user);
  }
}
