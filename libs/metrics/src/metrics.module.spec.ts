import { createApp } from '@app/http';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { MetricsModule } from './metrics.module';

@Module({ imports: [MetricsModule] })
class AppModule {}

async function build(): Promise<NestFastifyApplication> {
  const { app } = await createApp({
    name: 'metrics-test',
    module: AppModule,
    config: {
      PORT: 0,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      BODY_LIMIT_BYTES: 2048,
      SHUTDOWN_TIMEOUT_MS: 1000,
    },
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('MetricsModule', () => {
  let first: NestFastifyApplication;
  let second: NestFastifyApplication;

  beforeAll(async () => {
    first = await build();
    second = await build();
  });

  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('serves default process metrics and what features register, as Prometheus text', async () => {
    new Counter({
      name: 'spillway_test_things_total',
      help: 'Things.',
      registers: [first.get(Registry)],
    }).inc(3);
    const res = await request(first.getHttpServer()).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain('nodejs_eventloop_lag_seconds');
    expect(res.text).toMatch(/^spillway_test_things_total 3$/m);
  });

  it('keeps one registry per app, so two apps in one process never clash', async () => {
    expect(second.get(Registry)).not.toBe(first.get(Registry));
    const res = await request(second.getHttpServer()).get('/metrics');
    expect(res.text).not.toContain('spillway_test_things_total');
  });
});
