import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenIssuer } from './access-token.issuer';
import { RefreshTokenStore } from './refresh-token.store';

@Module({
  imports: [KeysModule],
  providers: [AccessTokenIssuer, RefreshTokenStore],
  exports: [AccessTokenIssuer, RefreshTokenStore],
})
export class TokensModule {}
