import { CAMPAIGN_MAX_LENGTH, CAMPAIGN_SLUG_PATTERN, COUPON_MAX_COUNT } from '@app/jobs';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { CouponRecord } from './coupon-store';

export const COUPON_SOURCES = ['stock', 'live'] as const;
export type CouponSource = (typeof COUPON_SOURCES)[number];

export class IssueCouponsDto {
  @ApiProperty({ example: 'spring-sale', description: 'Campaign slug: a-z, 0-9 and hyphens.' })
  @IsString()
  @MaxLength(CAMPAIGN_MAX_LENGTH)
  @Matches(CAMPAIGN_SLUG_PATTERN, { message: 'campaign must be a slug (a-z, 0-9, hyphens)' })
  campaign!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: COUPON_MAX_COUNT, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(COUPON_MAX_COUNT)
  count: number = 1;

  @ApiPropertyOptional({ default: false, description: 'Add a PNG data URL of a QR code per code.' })
  @IsOptional()
  @IsBoolean()
  qr: boolean = false;
}

export class IssuedCouponDto {
  @ApiProperty({ example: 'SPRING-SALE-7F3K-2QXM-9ABD-R' })
  code!: string;

  @ApiProperty({ example: 'spring-sale' })
  campaign!: string;

  @ApiPropertyOptional({ description: 'data:image/png;base64,... when qr was requested' })
  qr?: string;
}

export class CouponBatchResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['coupon'] })
  kind!: 'coupon';

  @ApiProperty({ enum: ['free', 'paid'], description: "Stock was made on free: 'free'." })
  provider!: 'free' | 'paid';

  @ApiProperty({
    enum: COUPON_SOURCES,
    description:
      "'stock': ready coupons of a campaign, no provider call now; 'live': made by this request's provider call. Also in the X-Coupon-Source header.",
  })
  source!: CouponSource;

  @ApiProperty({ type: [IssuedCouponDto] })
  coupons!: IssuedCouponDto[];
}

export class CouponStateDto {
  @ApiProperty()
  code!: string;

  @ApiProperty()
  campaign!: string;

  @ApiProperty({ enum: ['issued', 'redeemed'] })
  status!: 'issued' | 'redeemed';

  @ApiProperty({ description: 'Epoch ms' })
  issuedAt!: number;

  @ApiProperty({ nullable: true, type: Number })
  redeemedAt!: number | null;

  static from(record: CouponRecord): CouponStateDto {
    return {
      code: record.code,
      campaign: record.campaign,
      status: record.redeemedAt === null ? 'issued' : 'redeemed',
      issuedAt: record.issuedAt,
      redeemedAt: record.redeemedAt,
    };
  }
}
