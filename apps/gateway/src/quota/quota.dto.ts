import { ApiProperty } from '@nestjs/swagger';
import type { QuotaSnapshot } from './free-quota.service';

export class QuotaResponseDto {
  @ApiProperty() limit!: number;
  @ApiProperty() windowMs!: number;
  @ApiProperty() used!: number;
  @ApiProperty() remaining!: number;
  @ApiProperty({ description: 'Until the window (or block) ends; 0 when no window is open' })
  resetInMs!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Epoch ms while free is blocked' })
  blockedUntil!: number | null;
  @ApiProperty({ enum: ['free', 'paid'], description: 'Where the next job of a paid plan goes' })
  route!: 'free' | 'paid';

  static from(snapshot: QuotaSnapshot): QuotaResponseDto {
    return {
      limit: snapshot.limit,
      windowMs: snapshot.windowMs,
      used: snapshot.used,
      remaining: snapshot.remaining,
      resetInMs: snapshot.resetInMs,
      blockedUntil: snapshot.blockedUntil,
      route: snapshot.remaining > 0 && !snapshot.circuitOpen ? 'free' : 'paid',
    };
  }
}
