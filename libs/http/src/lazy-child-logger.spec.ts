import { Writable } from 'node:stream';
import pino from 'pino';
import { LazyChildLogger } from './lazy-child-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino(
    { level: 'info', redact: { paths: ['*.password'], censor: '[redacted]' } },
    stream,
  );
  return { parent, lines };
}

describe('LazyChildLogger (request.log)', () => {
  it('builds no pino child for a request that logs nothing', () => {
    const { parent } = capture();
    const child = jest.spyOn(parent, 'child');
    const log = new LazyChildLogger(parent, { reqId: 'r-1' }, {});
    expect(log.level).toBe('info');
    log.debug('below the level');
    expect(child).toHaveBeenCalledTimes(1); // debug still goes through the child, built once
    new LazyChildLogger(parent, { reqId: 'r-2' }, {});
    expect(child).toHaveBeenCalledTimes(1);
  });

  it('logs with the request bindings and the parent redaction once used', () => {
    const { parent, lines } = capture();
    const log = new LazyChildLogger(parent, { reqId: 'r-3' }, {});
    log.error({ user: { password: 'hunter2' } }, 'request failed');
    log.warn('second line');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        reqId: 'r-3',
        msg: 'request failed',
        user: { password: '[redacted]' },
      }),
      expect.objectContaining({ level: 40, reqId: 'r-3', msg: 'second line' }),
    ]);
  });

  it('hands out real children and follows level changes', () => {
    const { parent, lines } = capture();
    const log = new LazyChildLogger(parent, { reqId: 'r-4' }, {});
    log.child({ step: 'parse' }).info('nested');
    log.level = 'error';
    log.warn('dropped');
    expect(log.level).toBe('error');
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'r-4', step: 'parse', msg: 'nested' }),
    ]);
  });
});
