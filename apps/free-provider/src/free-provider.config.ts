import { env, freeQuotaEnv, httpEnv } from '@app/config';
import { z } from 'zod';

export const freeProviderConfigSchema = z.object({
  ...httpEnv,
  ...freeQuotaEnv,
  PORT: env.port(3002, 'Port of the free provider.'),
  FREE_BLOCK_MS: env.int(
    10_000,
    0,
    86_400_000,
    'A request over the limit blocks the provider until max(window end, now + this).',
  ),
  FREE_LATENCY_MS: env.int(0, 0, 60_000, 'Delay added to every job, like a real upstream.'),
});

export type FreeProviderConfig = z.infer<typeof freeProviderConfigSchema>;
