import { FastifyAdapter } from '@nestjs/platform-fastify';
import { isFastifyClientError } from './problem';
import { sendProblem } from './problem.filter';

type ErrorHandler = Parameters<FastifyAdapter['setErrorHandler']>[0];

/**
 * Nest turns Fastify's own errors (bad JSON, 413, 415) into plain HttpExceptions and loses
 * their codes; this adapter answers them as problems first and hands the rest to Nest.
 */
export class ProblemFastifyAdapter extends FastifyAdapter {
  override setErrorHandler(handler: ErrorHandler) {
    return super.setErrorHandler(function (
      this: ThisParameterType<ErrorHandler>,
      error,
      request,
      reply,
    ) {
      if (isFastifyClientError(error)) return sendProblem(error, request, reply);
      return handler.call(this, error, request, reply) as unknown;
    });
  }
}
