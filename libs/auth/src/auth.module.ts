import { APP_CONFIG } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier';
import { RolesGuard } from './roles';

/** The part of an app's config AuthModule reads. */
export interface AuthConfig {
  USERS_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ALLOWED_ORIGINS?: readonly string[];
}

/** Public path of the users service's key set. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** A new kid is looked up at most this often, so forged kids cannot hammer users. */
const JWKS_COOLDOWN_MS = 3_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 3_000;

/**
 * The users service's JWKS, fetched over HTTP and cached. An unknown kid refetches at most
 * once per cooldown; one that arrives during the cooldown (a key rotated just after a fetch)
 * waits for it to end and is looked up once more instead of being refused at once.
 */
export function remoteJwks(usersUrl: string, cooldownMs = JWKS_COOLDOWN_MS): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(JWKS_PATH, usersUrl), {
    cooldownDuration: cooldownMs,
    cacheMaxAge: JWKS_MAX_AGE_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  let cooldownOver: Promise<unknown> | undefined;
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !remote.coolingDown) throw error;
      cooldownOver ??= sleep(cooldownMs).finally(() => (cooldownOver = undefined));
      await cooldownOver;
      return remote(header, token);
    }
  };
}

export function remoteJwtVerifier(config: AuthConfig): JwtVerifier {
  return new JwtVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    keys: remoteJwks(config.USERS_URL),
  });
}

/**
 * Verification of access tokens against the users service's JWKS. Global, so any feature
 * module can put `@UseGuards(JwtAuthGuard, RolesGuard)` on its controllers.
 */
@Global()
@Module({
  providers: [
    { provide: JwtVerifier, inject: [APP_CONFIG], useFactory: remoteJwtVerifier },
    JwtAuthGuard,
    RolesGuard,
  ],
  exports: [JwtVerifier, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
