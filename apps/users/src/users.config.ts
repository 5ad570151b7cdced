import { env, httpEnv, jwtEnv, redisEnv } from '@app/config';
import { z } from 'zod';

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
  JWT_PRIVATE_KEY: env.optionalString(
    'PEM (PKCS#8) ES256 signing key. When absent one key is generated and shared through Redis.',
  ),
  ADMIN_EMAIL: env.optionalString('With ADMIN_PASSWORD: an admin (plan paid) created at startup.'),
  ADMIN_PASSWORD: env.optionalString('Password of ADMIN_EMAIL.'),
  COOKIE_SECURE: env.optionalBool(
    'Mark cookies Secure. Default: true when NODE_ENV=production, else false.',
  ),
});

export type UsersConfig = z.infer<typeof usersConfigSchema>;
