import { z } from 'zod';

/**
 * Field builders shared by every app's env schema. Env vars are strings, so each
 * builder parses text and says in words what it accepts: that sentence is what a
 * user reads when the app refuses to start.
 */
export const env = {
  port: (fallback: number, description: string) =>
    z.coerce
      .number({ error: 'must be a port number (1-65535)' })
      .int('must be a port number (1-65535)')
      .min(1, 'must be a port number (1-65535)')
      .max(65535, 'must be a port number (1-65535)')
      .default(fallback)
      .describe(description),

  int: (fallback: number, min: number, max: number, description: string) =>
    z.coerce
      .number({ error: `must be an integer from ${min} to ${max}` })
      .int(`must be an integer from ${min} to ${max}`)
      .min(min, `must be an integer from ${min} to ${max}`)
      .max(max, `must be an integer from ${min} to ${max}`)
      .default(fallback)
      .describe(description),

  bool: (fallback: boolean, description: string) =>
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1')
      .default(fallback)
      .describe(description),

  optionalBool: (description: string) =>
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1')
      .optional()
      .describe(description),

  url: (fallback: string, description: string) =>
    z
      .url({ error: 'must be a URL such as http://127.0.0.1:3000' })
      .default(fallback)
      .describe(description),

  string: (fallback: string, description: string) =>
    z.string().default(fallback).describe(description),

  optionalString: (description: string) => z.string().min(1).optional().describe(description),

  csv: (description: string) =>
    z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .describe(description),

  oneOf: <const T extends readonly [string, ...string[]]>(
    values: T,
    fallback: T[number],
    description: string,
  ) =>
    z
      .enum(values, { error: `must be one of ${values.join(', ')}` })
      .default(fallback)
      .describe(description),
};
