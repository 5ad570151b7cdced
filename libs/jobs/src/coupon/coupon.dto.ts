import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';

/** Lower-case letters and digits in hyphen-separated words: `spring-sale`, `q3`. */
export const CAMPAIGN_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const CAMPAIGN_MAX_LENGTH = 64;
export const COUPON_MAX_COUNT = 100;

/** `POST /v1/coupons` body. */
export class CouponJobDto {
  @ApiProperty({
    description: 'Campaign slug; its upper-case form prefixes every code.',
    pattern: CAMPAIGN_SLUG_PATTERN.source,
    minLength: 1,
    maxLength: CAMPAIGN_MAX_LENGTH,
    example: 'spring-sale',
  })
  @IsString()
  @Length(1, CAMPAIGN_MAX_LENGTH)
  @Matches(CAMPAIGN_SLUG_PATTERN, {
    message: 'campaign must be lower-case letters and digits, words separated by single hyphens',
  })
  campaign!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: COUPON_MAX_COUNT,
    default: 1,
    required: false,
  })
  @IsInt()
  @Min(1)
  @Max(COUPON_MAX_COUNT)
  count: number = 1;
}

/** The coupon result: `count` distinct codes of one campaign, in no particular order. */
export class CouponBatch {
  @ApiProperty({ example: 'spring-sale' })
  campaign!: string;

  @ApiProperty({
    type: [String],
    description:
      'PREFIX-XXXX-XXXX-XXXX-C: the upper-case campaign, 12 random Crockford base32 ' +
      'characters (60 bits) and a check character.',
    example: ['SPRING-SALE-7F3K-2QXM-9ABD-R'],
  })
  codes!: string[];
}
