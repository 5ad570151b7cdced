import type { ConfigSchema } from '@app/config';
import type { AppName } from '@app/testing';
import { freeProviderConfigSchema } from '../../apps/free-provider/src/free-provider.config';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway.config';
import { paidProviderConfigSchema } from '../../apps/paid-provider/src/paid-provider.config';
import { usersConfigSchema } from '../../apps/users/src/users.config';

export interface AppSchema {
  name: AppName;
  schema: ConfigSchema;
}

/** Each app's env schema, from source, in the order the docs list them. */
export const APP_SCHEMAS: AppSchema[] = [
  { name: 'gateway', schema: gatewayConfigSchema },
  { name: 'users', schema: usersConfigSchema },
  { name: 'free-provider', schema: freeProviderConfigSchema },
  { name: 'paid-provider', schema: paidProviderConfigSchema },
];

/** The generator behind `npm run docs:config` (plain JS, so `npm run` needs no TS loader). */
export interface ConfigDocs {
  APPS: { name: string; exportName: string }[];
  renderTable(apps: AppSchema[]): string;
  renderEnvExample(apps: AppSchema[]): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const configDocs = require('../../scripts/config-docs.cjs') as ConfigDocs;
