import { APP_CONFIG } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { createRemoteJWKSet } from 'jose';
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
const JWKS_COOLDOWN_MS = 5_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 3_000;

export function remoteJwtVerifier(config: AuthConfig): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(JWKS_PATH, config.USERS_URL), {
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_MAX_AGE_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return new JwtVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, keys });
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
