import type { FreeProviderStats } from '@app/jobs';
import { ApiProperty } from '@nestjs/swagger';

/** `GET /v1/stats`; times are epoch milliseconds. */
export class FreeProviderStatsDto implements FreeProviderStats {
  @ApiProperty({ description: 'Job requests accepted since start.' })
  accepted!: number;

  @ApiProperty({ description: 'Job requests answered 429 since start.' })
  rejected!: number;

  @ApiProperty()
  limit!: number;

  @ApiProperty()
  windowMs!: number;

  @ApiProperty()
  blockMs!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Null while no window is open.' })
  windowOpenedAt!: number | null;

  @ApiProperty({ description: 'Requests accepted in the open window (0 when none is open).' })
  windowCount!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Null while not blocked.' })
  blockedUntil!: number | null;
}
