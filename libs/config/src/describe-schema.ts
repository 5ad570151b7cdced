import { z } from 'zod';
import type { ConfigSchema } from './load-config';

export interface EnvVarDoc {
  name: string;
  default: string;
  description: string;
}

/** Turns a schema into rows for the README's configuration table. */
export function describeSchema(schema: ConfigSchema): EnvVarDoc[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const type = field as z.ZodType;
    let fallback = '';
    if (type instanceof z.ZodDefault) {
      const value: unknown = type.def.defaultValue;
      fallback = Array.isArray(value) ? value.join(',') : String(value);
    }
    return { name, default: fallback, description: type.description ?? '' };
  });
}
