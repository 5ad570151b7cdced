import { ApiProperty } from '@nestjs/swagger';
import type { Stats } from './stats.service';

export class OutcomeCountsDto {
  @ApiProperty() success!: number;
  @ApiProperty({ name: 'client-error', description: 'The provider rejected the input (4xx)' })
  'client-error'!: number;
  @ApiProperty({ description: 'Timeouts, resets, 5xx, bad answers' }) failure!: number;
  @ApiProperty({ description: 'Turned away without a provider call (429 to a free plan)' })
  refused!: number;
}

export class ProviderCountsDto {
  @ApiProperty({ type: OutcomeCountsDto }) free!: OutcomeCountsDto;
  @ApiProperty({ type: OutcomeCountsDto }) paid!: OutcomeCountsDto;
  @ApiProperty({ type: OutcomeCountsDto, description: 'No provider called (refusals)' })
  none!: OutcomeCountsDto;
}

export class ByKindDto {
  @ApiProperty({ type: ProviderCountsDto }) message!: ProviderCountsDto;
  @ApiProperty({ type: ProviderCountsDto }) coupon!: ProviderCountsDto;
  @ApiProperty({ type: ProviderCountsDto }) qr!: ProviderCountsDto;
}

export class ProviderTotalsDto {
  @ApiProperty({ description: 'Successful calls to the free provider' }) free!: number;
  @ApiProperty({ description: 'Successful calls to the paid provider' }) paid!: number;
}

export class LatencySummaryDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Null before the first sample' })
  p50!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p95!: number | null;
  @ApiProperty({ description: 'Newest successful calls the percentiles are taken over' })
  samples!: number;
}

export class LatencyDto {
  @ApiProperty({ type: LatencySummaryDto }) free!: LatencySummaryDto;
  @ApiProperty({ type: LatencySummaryDto }) paid!: LatencySummaryDto;
}

export class RouteSwitchDto {
  @ApiProperty({ enum: ['free', 'paid'] }) from!: 'free' | 'paid';
  @ApiProperty({ enum: ['free', 'paid'] }) to!: 'free' | 'paid';
  @ApiProperty({ example: 'quota-exhausted' }) reason!: string;
  @ApiProperty({ description: 'Epoch ms' }) at!: number;
}

export class RouteSwitchesDto {
  @ApiProperty() count!: number;
  @ApiProperty({ type: [RouteSwitchDto], description: 'Newest first, at most 20' })
  recent!: RouteSwitchDto[];
}

export class LifecycleCountsDto {
  @ApiProperty() accepted!: number;
  @ApiProperty() started!: number;
  @ApiProperty() finished!: number;
  @ApiProperty() failed!: number;
}

export class LifecycleByKindDto {
  @ApiProperty({ type: LifecycleCountsDto }) message!: LifecycleCountsDto;
  @ApiProperty({ type: LifecycleCountsDto }) coupon!: LifecycleCountsDto;
  @ApiProperty({ type: LifecycleCountsDto }) qr!: LifecycleCountsDto;
}

export class JobLifecycleDto extends LifecycleCountsDto {
  @ApiProperty({ type: LifecycleByKindDto }) byKind!: LifecycleByKindDto;
}

/** `GET /stats`: counted from the lifecycle event stream, shared by every replica. */
export class StatsResponseDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Epoch ms of the earliest event counted; null before any',
  })
  since!: number | null;

  @ApiProperty({
    type: ProviderTotalsDto,
    description: 'Successful provider calls since `since`: sync, async and stock refills',
  })
  totals!: ProviderTotalsDto;

  @ApiProperty({ description: 'paid ÷ (free + paid); 0 before any call', example: 0.25 })
  paidShare!: number;

  @ApiProperty({ description: 'Requests turned away without a provider call' })
  refused!: number;

  @ApiProperty({ description: 'Sum of the paid provider cost, micro-units' })
  paidCostMicros!: number;

  @ApiProperty({ type: ByKindDto, description: 'JOB_ROUTED counts: kind → provider → outcome' })
  byKind!: ByKindDto;

  @ApiProperty({ type: LatencyDto, description: 'Of the newest 2000 successful calls each' })
  latencyMs!: LatencyDto;

  @ApiProperty({ type: RouteSwitchesDto }) routeSwitches!: RouteSwitchesDto;

  @ApiProperty({ type: JobLifecycleDto, description: 'Async job lifecycle events' })
  jobs!: JobLifecycleDto;

  @ApiProperty({
    description:
      'totals.free ÷ freeAvailable, at most 1: the share of free capacity since `since` used',
  })
  freeUtilisation!: number;

  @ApiProperty({
    description:
      'FREE_QUOTA_LIMIT × the FREE_QUOTA_WINDOW_MS windows since `since` (the open one included)',
  })
  freeAvailable!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Events written but not counted yet; null when Redis cannot tell',
  })
  backlog!: number | null;

  static from(stats: Stats): StatsResponseDto {
    return { ...stats };
  }
}
