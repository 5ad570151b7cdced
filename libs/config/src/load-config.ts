import { z } from 'zod';

export type ConfigSchema = z.ZodObject<z.ZodRawShape>;

export class ConfigValidationError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly received: unknown,
  ) {
    super(`Invalid environment: ${variable} ${problem}${describeReceived(received)}`);
    this.name = 'ConfigValidationError';
  }
}

function describeReceived(value: unknown): string {
  if (value === undefined) return ' (it is not set)';
  // Never echo a value that might be a secret in full.
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return ` (got "${text.length > 40 ? `${text.slice(0, 37)}...` : text}")`;
}

/**
 * Parses the environment against an app's schema. Only the variables the schema names are
 * read; empty strings count as unset so `FOO=` falls back to the default.
 */
export function parseConfig<S extends ConfigSchema>(
  schema: S,
  source: NodeJS.ProcessEnv,
): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  throw new ConfigValidationError(variable, issue?.message ?? 'is invalid', input[variable]);
}

/** The one place `process.env` is read. A bad value ends the process with one clear line. */
export function loadConfig<S extends ConfigSchema>(schema: S): z.infer<S> {
  try {
    return parseConfig(schema, process.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
