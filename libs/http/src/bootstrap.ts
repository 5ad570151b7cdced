import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyBaseLogger, LogController } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import { Lifecycle } from './lifecycle';
import { LazyChildLogger } from './lazy-child-logger';
import { createLogger, NestPinoLogger } from './logger';
import { ProblemFastifyAdapter } from './problem-fastify-adapter';
import { ProblemFilter } from './problem.filter';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-context';
import { setupSwagger, type SwaggerSpec } from './swagger';
import { createValidationPipe } from './validation';

/** The part of every app's config the bootstrap reads (see httpEnv in @app/config). */
export interface HttpAppConfig {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  BODY_LIMIT_BYTES: number;
  SHUTDOWN_TIMEOUT_MS: number;
  /** Behind a load balancer, the client address comes from X-Forwarded-For of these. */
  TRUST_PROXY?: readonly string[];
}

export interface AppSpec {
  /** Short name used in logs, e.g. "gateway". */
  name: string;
  module: DynamicModule | Type;
  config: HttpAppConfig;
  /** Omit to serve no /docs (the gateway's worker mode). */
  swagger?: SwaggerSpec;
  /** Paths logged at debug instead of info: probes and scrapes would drown the rest. */
  quietPaths?: readonly string[];
}

export interface CreatedApp {
  app: NestFastifyApplication;
  logger: Logger;
}

const DEFAULT_QUIET_PATHS = ['/health', '/health/live', '/metrics'];

/** Builds a fully configured app without listening: tests use it with supertest. */
export async function createApp(spec: AppSpec): Promise<CreatedApp> {
  const logger = createLogger(spec.name, spec.config.LOG_LEVEL);
  const adapter = new ProblemFastifyAdapter({
    loggerInstance: logger,
    // One access-log line per request is written below, with the fields we choose.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (
      parent: FastifyBaseLogger,
      bindings: Bindings,
      options: ChildLoggerOptions,
    ) => new LazyChildLogger(parent as Logger, bindings, options),
    bodyLimit: spec.config.BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: (request: { headers: IncomingHttpHeaders }) =>
      requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    trustProxy: spec.config.TRUST_PROXY?.length ? spec.config.TRUST_PROXY.join(',') : false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(spec.module, adapter, {
    bufferLogs: true,
    // Only JSON bodies: Nest's form-body parser would let a form post bypass the 415.
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(new NestPinoLogger(logger));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  const quiet = new Set(spec.quietPaths ?? DEFAULT_QUIET_PATHS);
  fastify.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?')[0] ?? request.url;
    const level = quiet.has(path) ? 'debug' : 'info';
    logger[level](
      {
        reqId: request.id,
        method: request.method,
        path,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...request.logContext,
      },
      'request',
    );
    done();
  });

  if (spec.swagger) setupSwagger(app, spec.swagger);
  return { app, logger };
}

/**
 * Starts an app for real: listen, then drain on SIGTERM/SIGINT (stop taking connections,
 * finish in-flight work, exit 0) with a hard bound so a stuck request cannot hold the pod.
 */
export async function runApp(spec: AppSpec): Promise<NestFastifyApplication> {
  const { app, logger } = await createApp(spec);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    logger.flush();
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });

  let stopping = false;
  const fastify = app.getHttpAdapter().getInstance();
  // Requests whose response has not closed yet (finished or aborted): what a drain waits for.
  let inFlight = 0;
  fastify.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    inFlight++;
    response.once('close', () => inFlight--);
  });
  // A response finished while draining closes its keep-alive connection: server.close() reaps
  // only the connections idle at that moment, and a client's pool would hold the rest open.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (stopping) void reply.header('connection', 'close');
    done(null, payload);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    app.get(Lifecycle).startDraining();
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: spec.config.SHUTDOWN_TIMEOUT_MS }, 'drain timed out');
      logger.flush();
      process.exit(1);
    }, spec.config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    // server.close() reaps the connections idle at that moment only, and a connection left
    // open after the last response (seen with a live dashboard in headless Chromium) held it
    // until the drain timed out. Reap idle ones until it is done, and once no request is in
    // flight close the rest: there is nothing left on them to finish.
    const reaper = setInterval(() => {
      if (inFlight === 0) fastify.server.closeAllConnections();
      else fastify.server.closeIdleConnections();
    }, 100);
    reaper.unref();
    // HTTP first (stop accepting, finish in-flight requests), then Nest's hooks: its close()
    // runs onModuleDestroy (closing upstream pools, workers) before it stops the listener.
    fastify
      .close()
      .then(() => {
        // Which half of a drain took the time, should one ever time out.
        logger.info('http closed; stopping workers and connections');
        return app.close();
      })
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        logger.flush();
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  await app.listen({ port: spec.config.PORT, host: spec.config.HOST });
  logger.info(
    { url: `http://${spec.config.HOST}:${spec.config.PORT}` },
    `${spec.name} listening on http://${spec.config.HOST}:${spec.config.PORT}`,
  );
  return app;
}
