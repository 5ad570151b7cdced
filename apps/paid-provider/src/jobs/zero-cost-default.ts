import { COST_HEADER, PROVIDER_JOB_PATHS } from '@app/jobs';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

const JOB_ROUTES = new Set<string>(Object.values(PROVIDER_JOB_PATHS));

/**
 * Every job response says what it cost: "0" is set before anything can fail (401, bad JSON,
 * 413, 400, 422), and a successful job overwrites it with its price.
 */
@Injectable()
export class ZeroCostDefault implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (request.method === 'POST' && JOB_ROUTES.has(request.routeOptions.url ?? '')) {
        void reply.header(COST_HEADER, '0');
      }
      done();
    });
  }
}
