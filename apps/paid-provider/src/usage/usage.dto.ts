import type { PaidKindUsage, PaidProviderUsage } from '@app/jobs';
import { ApiProperty } from '@nestjs/swagger';

export class PaidKindUsageDto implements PaidKindUsage {
  @ApiProperty()
  calls!: number;

  @ApiProperty({ description: 'Micro-units (1,000,000 = one currency unit).' })
  costMicros!: number;
}

class UsageByKindDto {
  @ApiProperty()
  message!: PaidKindUsageDto;

  @ApiProperty()
  coupon!: PaidKindUsageDto;

  @ApiProperty()
  qr!: PaidKindUsageDto;
}

/** `GET /v1/usage`: billed (successful) job calls since start. */
export class PaidProviderUsageDto implements PaidProviderUsage {
  @ApiProperty()
  calls!: number;

  @ApiProperty({ description: 'Micro-units, the sum of every X-Cost-Micros sent.' })
  costMicros!: number;

  @ApiProperty({ type: UsageByKindDto })
  byKind!: UsageByKindDto;
}
