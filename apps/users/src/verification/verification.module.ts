import { JwtAuthGuard, JwtVerifier, RolesGuard } from '@app/auth';
import { APP_CONFIG } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { SigningKeyStore } from '../keys/signing-key.store';
import type { UsersConfig } from '../users.config';
import { AccessTokenRevocations } from './access-token.revocations';

/**
 * The gateway's guards (@app/auth), here verifying against the keys in Redis instead of over
 * HTTP, and refusing access tokens revoked by logout. Global so every feature can use them.
 */
@Global()
@Module({
  imports: [KeysModule],
  providers: [
    AccessTokenRevocations,
    {
      provide: JwtVerifier,
      inject: [SigningKeyStore, AccessTokenRevocations, APP_CONFIG],
      useFactory: (
        keys: SigningKeyStore,
        revocations: AccessTokenRevocations,
        config: UsersConfig,
      ) =>
        new JwtVerifier({
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          keys: (header) => keys.verificationKey(header),
          isRevoked: (token) => revocations.isRevoked(token),
        }),
    },
    JwtAuthGuard,
    RolesGuard,
  ],
  exports: [AccessTokenRevocations, JwtVerifier, JwtAuthGuard, RolesGuard],
})
export class VerificationModule {}
