import { env, httpEnv } from '@app/config';
import { z } from 'zod';

export const paidProviderConfigSchema = z.object({
  ...httpEnv,
  PORT: env.port(3003, 'Port of the paid provider.'),
  PAID_PROVIDER_API_KEY: env.string('dev-paid-key', 'API key callers must send as X-Api-Key.'),
  PAID_LATENCY_MS: env.int(0, 0, 60_000, 'Delay added to every job, like a real upstream.'),
  PAID_PRICE_MESSAGE_MICROS: env.int(200, 0, 1_000_000_000, 'Price of one message job.'),
  PAID_PRICE_COUPON_MICROS: env.int(500, 0, 1_000_000_000, 'Price of one coupon code.'),
  PAID_PRICE_QR_MICROS: env.int(1000, 0, 1_000_000_000, 'Price of one QR image.'),
});

export type PaidProviderConfig = z.infer<typeof paidProviderConfigSchema>;
