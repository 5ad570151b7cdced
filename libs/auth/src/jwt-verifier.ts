import { PLANS, ROLES, type AuthenticatedUser, type Plan, type Role } from '@app/contracts';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ACCESS_TOKEN_ALG } from './access-token';

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  /** Finds the public key of a token by its `kid` (a remote or a local JWKS). */
  keys: JWTVerifyGetKey;
  /** Verified tokens remembered until they expire; the oldest go first when full. */
  cacheSize?: number;
  /**
   * Asked on every use, cached or not, when given: the issuer can refuse tokens it revoked
   * (logged out) before they expire. The gateway leaves it out and stays stateless.
   */
  isRevoked?: (token: VerifiedAccessToken) => Promise<boolean>;
}

/** A token that passed verification: its user and the claims revocation needs. */
export interface VerifiedAccessToken {
  user: AuthenticatedUser;
  jti: string;
  expiresAtMs: number;
}

/** Why a token was refused; the caller maps it to 401 (invalid) or 503 (keys unreachable). */
export class TokenRejectedError extends Error {
  constructor(
    readonly reason: string,
    readonly keysUnavailable = false,
  ) {
    super(reason);
    this.name = 'TokenRejectedError';
  }
}

const DEFAULT_CACHE_SIZE = 10_000;
const REQUIRED_CLAIMS = ['sub', 'email', 'plan', 'role', 'iat', 'exp', 'jti'];

function isPlan(value: unknown): value is Plan {
  return PLANS.includes(value as Plan);
}

function isRole(value: unknown): value is Role {
  return ROLES.includes(value as Role);
}

function toVerified(payload: JWTPayload): VerifiedAccessToken {
  const { sub, email, plan, role, jti, exp } = payload;
  if (typeof sub !== 'string' || typeof email !== 'string' || !isPlan(plan) || !isRole(role)) {
    throw new TokenRejectedError('claims');
  }
  return { user: { id: sub, email, plan, role }, jti: jti ?? '', expiresAtMs: (exp ?? 0) * 1000 };
}

/**
 * Verifies ES256 access tokens: algorithm pinned, iss/aud/exp/nbf checked, key by kid.
 * A token that verified once is answered from memory until it expires, so signature checks
 * never cap a gateway's throughput.
 */
export class JwtVerifier {
  private readonly cache = new Map<string, VerifiedAccessToken>();
  private readonly cacheSize: number;

  constructor(private readonly options: JwtVerifierOptions) {
    this.cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  }

  async verify(token: string, nowMs = Date.now()): Promise<AuthenticatedUser> {
    return (await this.verifyToken(token, nowMs)).user;
  }

  /** Like verify(), with the token's jti and expiry. */
  async verifyToken(token: string, nowMs = Date.now()): Promise<VerifiedAccessToken> {
    let verified = this.cache.get(token);
    if (verified && verified.expiresAtMs <= nowMs) {
      this.cache.delete(token);
      verified = undefined;
    }
    if (!verified) {
      verified = await this.verifySignature(token, nowMs);
      this.remember(token, verified);
    }
    if (this.options.isRevoked && (await this.checkRevoked(verified))) {
      throw new TokenRejectedError('revoked');
    }
    return verified;
  }

  private async checkRevoked(verified: VerifiedAccessToken): Promise<boolean> {
    try {
      return await this.options.isRevoked!(verified);
    } catch {
      throw new TokenRejectedError('revocations-unavailable', true);
    }
  }

  private async verifySignature(token: string, nowMs: number): Promise<VerifiedAccessToken> {
    try {
      const { payload } = await jwtVerify(token, this.options.keys, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(nowMs),
      });
      return toVerified(payload);
    } catch (error) {
      throw rejection(error);
    }
  }

  /** How many verified tokens are remembered (for tests and metrics). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private remember(token: string, entry: VerifiedAccessToken): void {
    if (this.cache.size >= this.cacheSize) {
      // Map keeps insertion order: drop the oldest entry, and any expired ones we pass.
      const now = Date.now();
      for (const [key, value] of this.cache) {
        this.cache.delete(key);
        if (this.cache.size < this.cacheSize && value.expiresAtMs > now) break;
      }
    }
    this.cache.set(token, entry);
  }
}

function rejection(error: unknown): TokenRejectedError {
  if (error instanceof TokenRejectedError) return error;
  if (error instanceof errors.JWKSTimeout) return new TokenRejectedError('keys-timeout', true);
  // The base class is only thrown for a JWKS answer that is not 200: users is unwell.
  if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') {
    return new TokenRejectedError('keys-unavailable', true);
  }
  if (error instanceof errors.JOSEError) return new TokenRejectedError(error.code);
  // fetch failures of the remote JWKS surface as plain errors: the users service is down.
  return new TokenRejectedError('keys-unreachable', true);
}
