import { Module } from '@nestjs/common';
import { KeysController } from './keys.controller';
import { SigningKeyStore } from './signing-key.store';

/** The signing keys, the JWKS and their rotation. */
@Module({
  controllers: [KeysController],
  providers: [SigningKeyStore],
  exports: [SigningKeyStore],
})
export class KeysModule {}
