import { JwtVerifier } from '@app/auth';
import type { AuthenticatedUser } from '@app/contracts';
import { UnauthorizedError } from '@app/http';
import { Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { LoginAttemptLimiter } from '../login-guard/login-attempt.limiter';
import { AccessTokenIssuer, type IssuedAccessToken } from '../tokens/access-token.issuer';
import { RefreshTokenStore, type IssuedRefreshToken } from '../tokens/refresh-token.store';
import { AccessTokenRevocations } from '../verification/access-token.revocations';

/** What a login or a refresh hands out. */
export interface Session {
  user: AuthenticatedUser;
  access: IssuedAccessToken;
  refresh: IssuedRefreshToken;
}

export class RefreshRefusedError extends UnauthorizedError {
  constructor(reused: boolean) {
    super(
      reused
        ? 'This refresh token was already used; every session of its login has been revoked.'
        : 'The refresh token is missing, expired or revoked. Log in again.',
    );
  }
}

@Injectable()
export class AuthService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly limiter: LoginAttemptLimiter,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly verifier: JwtVerifier,
    private readonly revocations: AccessTokenRevocations,
  ) {}

  register(email: string, password: string): Promise<AuthenticatedUser> {
    return this.accounts.register(email, password);
  }

  async login(email: string, password: string, clientIp: string): Promise<Session> {
    await this.limiter.attempt(email, clientIp);
    const user = await this.accounts.authenticate(email, password);
    if (!user) throw new UnauthorizedError('The email or password is wrong.');
    await this.limiter.succeeded(email, clientIp);
    const [access, refresh] = await Promise.all([
      this.accessTokens.issue(user),
      this.refreshTokens.startFamily(user.id),
    ]);
    return { user, access, refresh };
  }

  /** Rotates the refresh token and issues an access token with the user's current plan and role. */
  async refresh(refreshToken: string | undefined): Promise<Session> {
    if (!refreshToken) throw new RefreshRefusedError(false);
    const rotation = await this.refreshTokens.rotate(refreshToken);
    if (rotation.outcome !== 'rotated')
      throw new RefreshRefusedError(rotation.outcome === 'reused');
    const user = await this.accounts.findById(rotation.userId);
    if (!user) {
      await this.refreshTokens.revoke(rotation.next.token);
      throw new RefreshRefusedError(false);
    }
    return { user, access: await this.accessTokens.issue(user), refresh: rotation.next };
  }

  /** Ends the refresh family and, when one is presented, the access token too. */
  async logout(refreshToken: string | undefined, accessToken: string | undefined): Promise<void> {
    if (refreshToken) await this.refreshTokens.revoke(refreshToken);
    if (!accessToken) return;
    const verified = await this.verifier.verifyToken(accessToken).catch(() => undefined);
    if (verified) await this.revocations.revoke(verified);
  }

  me(user: AuthenticatedUser): Promise<AuthenticatedUser> {
    return this.accounts.get(user.id);
  }
}
