import { JwtAuthGuard, JwtVerifier, RolesGuard } from '@app/auth';
import { APP_CONFIG } from '@app/config';
import { Global, Module } from '@nestjs/common';
import type { UsersConfig } from '../users.config';
import { KeysController } from './keys.controller';
import { SigningKeyStore } from './signing-key.store';

/**
 * Signing keys, the JWKS, and the same guards the gateway uses, verifying against the keys
 * in Redis instead of over HTTP. Global so every feature can guard its routes.
 */
@Global()
@Module({
  controllers: [KeysController],
  providers: [
    SigningKeyStore,
    {
      provide: JwtVerifier,
      inject: [SigningKeyStore, APP_CONFIG],
      useFactory: (keys: SigningKeyStore, config: UsersConfig) =>
        new JwtVerifier({
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          keys: (header) => keys.verificationKey(header),
        }),
    },
    JwtAuthGuard,
    RolesGuard,
  ],
  exports: [SigningKeyStore, JwtVerifier, JwtAuthGuard, RolesGuard],
})
export class KeysModule {}
