import { Controller, Get, Global, Injectable, Module, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Lifecycle } from './lifecycle';

export type HealthCheck = () => Promise<Record<string, unknown> | void>;

export interface HealthReport {
  status: 'ok' | 'degraded' | 'draining';
  uptimeS: number;
  checks: Record<string, { status: 'up' | 'down'; [detail: string]: unknown }>;
}

const CHECK_TIMEOUT_MS = 1000;

/** Features register what readiness depends on (Redis, for example). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  constructor(private readonly lifecycle: Lifecycle) {}

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await runCheck(check)] as const),
    );
    const checks = Object.fromEntries(entries);
    const healthy = entries.every(([, result]) => result.status === 'up');
    return {
      status: this.lifecycle.draining ? 'draining' : healthy ? 'ok' : 'degraded',
      uptimeS: Math.round(process.uptime()),
      checks,
    };
  }
}

async function runCheck(check: HealthCheck): Promise<HealthReport['checks'][string]> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started), ...detail };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Readiness: 200 when every dependency answers, else 503 with details' })
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.registry.report();
    void reply.code(report.status === 'ok' ? 200 : 503);
    return report;
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs its event loop' })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

@Global()
@Module({
  controllers: [HealthController],
  providers: [Lifecycle, HealthRegistry],
  exports: [Lifecycle, HealthRegistry],
})
export class HealthModule {}
