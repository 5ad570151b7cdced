import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** Sends a problem document; shared by the Nest filter and Fastify's own error handler. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(error);
  if (problem.internal) {
    request.log.error({ err: error }, 'request failed');
  }
  if (reply.sent) return;
  void reply
    .code(problem.body.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...problem.body, instance: request.url.split('?')[0] });
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
