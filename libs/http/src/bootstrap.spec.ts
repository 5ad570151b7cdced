import { Body, Controller, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsInt, IsString, Max, MinLength } from 'class-validator';
import request from 'supertest';
import { createApp } from './bootstrap';
import { TooManyRequestsError } from './domain-error';
import { HealthModule } from './health';

class EchoDto {
  @IsString()
  @MinLength(1)
  text!: string;

  @IsInt()
  @Max(10)
  count!: number;
}

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Post('busy')
  busy(): never {
    throw new TooManyRequestsError('quota-exhausted', 'No free quota left.', 1500);
  }

  @Post('crash')
  crash(): never {
    throw new Error('secret internals at /srv/app.ts:12');
  }
}

@Module({ imports: [HealthModule], controllers: [EchoController] })
class EchoModule {}

describe('shared HTTP bootstrap', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ app } = await createApp({
      name: 'echo',
      module: EchoModule,
      config: {
        PORT: 0,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        BODY_LIMIT_BYTES: 2048,
        SHUTDOWN_TIMEOUT_MS: 1000,
      },
      swagger: { title: 'echo', description: 'test', version: '1' },
    }));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  it('passes a valid body and echoes a safe X-Request-Id', async () => {
    const res = await http()
      .post('/echo')
      .set('x-request-id', 'abc-123')
      .send({ text: 'hi', count: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ text: 'hi', count: 2 });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('generates a request id when the given one is unsafe', async () => {
    const res = await http()
      .get('/health')
      .set('x-request-id', `bad id ${'x'.repeat(200)}`);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists every invalid and unknown field in a 400 problem', async () => {
    const res = await http().post('/echo').send({ text: '', count: 99, extra: true });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:spillway:problem:validation-failed', status: 400 });
    const fields = (res.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
    expect(new Set(fields)).toEqual(new Set(['text', 'count', 'extra']));
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await http().post('/echo').set('content-type', 'application/json').send('{bad');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'urn:spillway:problem:malformed-json', status: 400 });
  });

  it('refuses a non-JSON content type with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await http().post('/echo').set('content-type', type).send('text=a&count=1');
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ type: 'urn:spillway:problem:unsupported-media-type' });
    }
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await http()
      .post('/echo')
      .send({ text: 'x'.repeat(4096), count: 1 });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ type: 'urn:spillway:problem:body-too-large', status: 413 });
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const res = await http().get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, instance: '/nowhere' });
  });

  it('turns a domain error into its status, headers and extensions', async () => {
    const res = await http().post('/echo/busy');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toMatchObject({
      type: 'urn:spillway:problem:quota-exhausted',
      retryAfterMs: 1500,
    });
  });

  it('hides the cause of an unexpected error', async () => {
    const res = await http().post('/echo/crash');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(res.body).not.toHaveProperty('stack');
  });

  it('serves Swagger UI and the OpenAPI document', async () => {
    const ui = await http().get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const doc = await http().get('/docs-json');
    expect(doc.body).toMatchObject({ openapi: expect.stringMatching(/^3\./) as unknown });
    expect(Object.keys((doc.body as { paths: object }).paths)).toContain('/echo');
  });
});
