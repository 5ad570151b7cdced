import { Injectable } from '@nestjs/common';

/** Knows whether the process is draining, so readiness can turn away new traffic first. */
@Injectable()
export class Lifecycle {
  private drainingSince: number | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
