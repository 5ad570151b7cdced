import { CAMPAIGN_MAX_LENGTH, CAMPAIGN_SLUG_PATTERN } from '@app/jobs';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { CampaignState } from './campaign-store';

/** Most coupons one campaign may ever issue. */
export const CAMPAIGN_MAX_LIMIT = 10_000_000;
/** Each ready coupon holds a QR image (a few KB) in Redis; this bounds one campaign's share. */
export const CAMPAIGN_MAX_STOCK = 10_000;
/** Letters, digits and single hyphens between them; stored upper case. */
const PREFIX_PATTERN = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;

export class CreateCampaignDto {
  @ApiProperty({
    example: 'spring-sale',
    pattern: CAMPAIGN_SLUG_PATTERN.source,
    maxLength: CAMPAIGN_MAX_LENGTH,
    description: 'The name clients send as `campaign` in POST /coupons.',
  })
  @IsString()
  @MaxLength(CAMPAIGN_MAX_LENGTH)
  @Matches(CAMPAIGN_SLUG_PATTERN, { message: 'slug must be a slug (a-z, 0-9, single hyphens)' })
  slug!: string;

  @ApiProperty({
    example: 'SPRING',
    pattern: PREFIX_PATTERN.source,
    maxLength: CAMPAIGN_MAX_LENGTH,
    description: 'Every code starts with it (stored upper case): SPRING-7F3K-2QXM-9ABD-R.',
  })
  @IsString()
  @MaxLength(CAMPAIGN_MAX_LENGTH)
  @Matches(PREFIX_PATTERN, { message: 'prefix must be letters and digits, single hyphens between' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toUpperCase() : value,
  )
  prefix!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: CAMPAIGN_MAX_LIMIT, example: 1000 })
  @IsInt()
  @Min(1)
  @Max(CAMPAIGN_MAX_LIMIT)
  limit!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: CAMPAIGN_MAX_STOCK,
    example: 50,
    description: 'Ready coupons to keep in stock; at most `limit`.',
  })
  @IsInt()
  @Min(0)
  @Max(CAMPAIGN_MAX_STOCK)
  stockTarget!: number;
}

export class CampaignDto {
  @ApiProperty({ example: 'spring-sale' })
  slug!: string;

  @ApiProperty({ example: 'SPRING' })
  prefix!: string;

  @ApiProperty({ type: 'integer' })
  limit!: number;

  @ApiProperty({ type: 'integer' })
  stockTarget!: number;

  @ApiProperty({ type: 'integer', description: 'Coupons handed to users so far.' })
  issued!: number;

  @ApiProperty({ type: 'integer', description: 'Issued coupons redeemed so far.' })
  redeemed!: number;

  @ApiProperty({ type: 'integer', description: 'Ready coupons waiting in stock.' })
  inStock!: number;

  static from(state: CampaignState): CampaignDto {
    const { slug, prefix, limit, stockTarget, issued, redeemed, inStock } = state;
    return { slug, prefix, limit, stockTarget, issued, redeemed, inStock };
  }
}
