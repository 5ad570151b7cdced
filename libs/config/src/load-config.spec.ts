import { z } from 'zod';
import { env } from './env-schema';
import { ConfigValidationError, parseConfig } from './load-config';
import { httpEnv } from './shared-env';

const schema = z.object({
  ...httpEnv,
  PORT: env.port(3000, 'port'),
  ORIGINS: env.csv('origins'),
  SECURE: env.optionalBool('secure'),
});

describe('parseConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = parseConfig(schema, {});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', LOG_LEVEL: 'info', ORIGINS: [] });
    expect(config.SECURE).toBeUndefined();
  });

  it('parses numbers, lists and booleans from text', () => {
    const config = parseConfig(schema, {
      PORT: '8080',
      ORIGINS: 'https://a, https://b',
      SECURE: 'true',
    });
    expect(config).toMatchObject({ PORT: 8080, ORIGINS: ['https://a', 'https://b'], SECURE: true });
  });

  it('treats an empty value as unset', () => {
    expect(parseConfig(schema, { PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    ['PORT', 'abc', 'Invalid environment: PORT must be a port number (1-65535) (got "abc")'],
    ['PORT', '70000', 'Invalid environment: PORT must be a port number (1-65535) (got "70000")'],
    ['LOG_LEVEL', 'loud', 'Invalid environment: LOG_LEVEL must be one of fatal, error, warn'],
    ['SECURE', 'yes', 'Invalid environment: SECURE must be true or false (got "yes")'],
  ])('names the variable when %s=%s', (name, value, message) => {
    const run = () => parseConfig(schema, { [name]: value });
    expect(run).toThrow(ConfigValidationError);
    expect(run).toThrow(message);
  });

  it('never echoes a long value in full', () => {
    const run = () => parseConfig(schema, { PORT: 'x'.repeat(100) });
    expect(run).toThrow(/got "x{37}\.\.\."/);
  });
});
