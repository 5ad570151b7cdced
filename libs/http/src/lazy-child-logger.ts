import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn, Logger } from 'pino';

function call(method: LogFn, logger: Logger, args: unknown[]): void {
  Reflect.apply(method, logger, args);
}

/**
 * `request.log` that makes its pino child (with the request id) only when something logs
 * through it. Fastify otherwise builds a child for every request, and a child of a logger
 * with redaction compiles its bindings and redaction state each time: a tenth of the
 * gateway's allocations per request, for a logger that is used only on errors.
 */
export class LazyChildLogger implements FastifyBaseLogger {
  private built: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    return (this.built ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.built?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  // Methods on the prototype, not arrow fields: nothing is allocated per request.
  fatal(...args: unknown[]): void {
    call(this.logger.fatal, this.logger, args);
  }
  error(...args: unknown[]): void {
    call(this.logger.error, this.logger, args);
  }
  warn(...args: unknown[]): void {
    call(this.logger.warn, this.logger, args);
  }
  info(...args: unknown[]): void {
    call(this.logger.info, this.logger, args);
  }
  debug(...args: unknown[]): void {
    call(this.logger.debug, this.logger, args);
  }
  trace(...args: unknown[]): void {
    call(this.logger.trace, this.logger, args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}
