import { ACCESS_TOKEN_ALG } from '@app/auth';
import { APP_CONFIG } from '@app/config';
import type { AuthenticatedUser } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { SigningKeyStore } from '../keys/signing-key.store';
import type { UsersConfig } from '../users.config';

export interface IssuedAccessToken {
  token: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Signs ES256 access tokens with the active key; the plan and role are read fresh each time. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly keys: SigningKeyStore,
    @Inject(APP_CONFIG) private readonly config: UsersConfig,
  ) {}

  async issue(user: AuthenticatedUser, now = Date.now()): Promise<IssuedAccessToken> {
    const key = await this.keys.signingKey();
    const iat = Math.floor(now / 1000);
    const expiresIn = this.config.JWT_ACCESS_TTL_S;
    const token = await new SignJWT({ email: user.email, plan: user.plan, role: user.role })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: key.kid, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + expiresIn)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresIn };
  }
}
