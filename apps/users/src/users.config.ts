import { env, httpEnv, jwtEnv, redisEnv } from '@app/config';
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';

function isEs256Pkcs8Pem(pem: string): boolean {
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) return false;
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

export const usersConfigSchema = z.object({
  ...httpEnv,
  ...redisEnv,
  ...jwtEnv,
  PORT: env.port(3001, 'Port of the users service.'),
  JWT_ACCESS_TTL_S: env.int(900, 10, 86_400, 'Lifetime of an access token in seconds.'),
  JWT_REFRESH_TTL_S: env.int(
    604_800,
    60,
    31_536_000,
    'Lifetime of a refresh token family in seconds.',
  ),
  JWT_PRIVATE_KEY: env
    .optionalString('')
    // Container env files often carry the PEM on one line with literal \n.
    .transform((pem) => pem?.replace(/\\n/g, '\n'))
    .refine((pem) => pem === undefined || isEs256Pkcs8Pem(pem), {
      error: 'must be a PEM (PKCS#8) P-256 private key for ES256',
    })
    .describe(
      'PEM (PKCS#8) ES256 signing key. When absent one key is generated and shared through Redis.',
    ),
  ADMIN_EMAIL: env.optionalString('With ADMIN_PASSWORD: an admin (plan paid) created at startup.'),
  ADMIN_PASSWORD: env.optionalString('Password of ADMIN_EMAIL.'),
  LOGIN_MAX_FAILURES_PER_EMAIL: env.int(
    10,
    1,
    1_000_000,
    'Failed logins one email may have per LOGIN_FAILURE_WINDOW_S before login answers 429.',
  ),
  LOGIN_MAX_FAILURES_PER_IP: env.int(
    100,
    1,
    1_000_000,
    'Failed logins one client address may have per LOGIN_FAILURE_WINDOW_S before 429.',
  ),
  LOGIN_FAILURE_WINDOW_S: env.int(
    900,
    1,
    86_400,
    'Window of the failed-login counters, opened by the first failure.',
  ),
  COOKIE_SECURE: env.optionalBool(
    'Mark cookies Secure. Default: true when NODE_ENV=production, else false.',
  ),
});

export type UsersConfig = z.infer<typeof usersConfigSchema>;
