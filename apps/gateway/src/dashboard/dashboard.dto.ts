import { ApiProperty } from '@nestjs/swagger';
import type { QuotaSnapshot } from '../quota/free-quota.service';
import type { RouteSwitch, TrafficSeries, TrafficTotals } from './traffic-history';

/** One update of the dashboard: the shared quota plus what this replica routed. */
export class DashboardSnapshotDto {
  @ApiProperty({ description: 'Epoch ms when this snapshot was taken' })
  generatedAt!: number;

  @ApiProperty({
    enum: ['replica', 'cluster'],
    description:
      'cluster: totals, cost, switches and rates of all replicas (the shared statistics); replica: of this replica only, while those cannot be read',
  })
  scope!: 'replica' | 'cluster';

  @ApiProperty({ description: 'The replica that answered (host name and process id)' })
  replica!: string;

  @ApiProperty({
    nullable: true,
    description: 'The shared free quota (same for every replica); null while Redis is unreachable',
  })
  quota!: QuotaSnapshot | null;

  @ApiProperty({ enum: ['free', 'paid', 'unknown'], description: 'Where a paid-plan job goes now' })
  route!: 'free' | 'paid' | 'unknown';

  @ApiProperty({ description: 'Jobs served by free, by paid, refused, failed calls; paid cost' })
  totals!: TrafficTotals;

  @ApiProperty({ nullable: true, type: Number, description: 'free / (free + paid), 0..1' })
  freeShare!: number | null;

  @ApiProperty({ description: 'Jobs per second by provider over the last five minutes' })
  series!: TrafficSeries;

  @ApiProperty({ description: 'Latest changes of provider, newest first' })
  switches!: RouteSwitch[];
}
