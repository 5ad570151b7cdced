import { Module } from '@nestjs/common';
import { AccessTokenIssuer } from './access-token.issuer';
import { RefreshTokenStore } from './refresh-token.store';

@Module({
  providers: [AccessTokenIssuer, RefreshTokenStore],
  exports: [AccessTokenIssuer, RefreshTokenStore],
})
export class TokensModule {}
