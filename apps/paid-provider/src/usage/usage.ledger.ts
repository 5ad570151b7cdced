import { JOB_KINDS, type JobKind } from '@app/contracts';
import type { PaidProviderUsage } from '@app/jobs';
import { Injectable } from '@nestjs/common';

/** What the paid provider has billed since start: successful job calls only. */
@Injectable()
export class UsageLedger {
  private readonly byKind = Object.fromEntries(
    JOB_KINDS.map((kind) => [kind, { calls: 0, costMicros: 0 }]),
  ) as PaidProviderUsage['byKind'];

  record(kind: JobKind, costMicros: number): void {
    this.byKind[kind].calls++;
    this.byKind[kind].costMicros += costMicros;
  }

  usage(): PaidProviderUsage {
    const byKind = Object.fromEntries(
      JOB_KINDS.map((kind) => [kind, { ...this.byKind[kind] }]),
    ) as PaidProviderUsage['byKind'];
    const kinds = Object.values(byKind);
    return {
      calls: kinds.reduce((sum, kind) => sum + kind.calls, 0),
      costMicros: kinds.reduce((sum, kind) => sum + kind.costMicros, 0),
      byKind,
    };
  }
}
