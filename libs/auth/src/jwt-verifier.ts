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

interface CachedVerification {
  user: AuthenticatedUser;
  expiresAtMs: number;
}

const DEFAULT_CACHE_SIZE = 10_000;
const REQUIRED_CLAIMS = ['sub', 'email', 'plan', 'role', 'iat', 'exp', 'jti'];

function isPlan(value: unknown): value is Plan {
  return PLANS.includes(value as Plan);
}

function isRole(value: unknown): value is Role {
  return ROLES.includes(value as Role);
}

function toUser(payload: JWTPayload): AuthenticatedUser {
  const { sub, email, plan, role } = payload;
  if (typeof sub !== 'string' || typeof email !== 'string' || !isPlan(plan) || !isRole(role)) {
    throw new TokenRejectedError('claims');
  }
  return { id: sub, email, plan, role };
}

/**
 * Verifies ES256 access tokens: algorithm pinned, iss/aud/exp/nbf checked, key by kid.
 * A token that verified once is answered from memory until it expires, so signature checks
 * never cap a gateway's throughput.
 */
export class JwtVerifier {
  private readonly cache = new Map<string, CachedVerification>();
  private readonly cacheSize: number;

  constructor(private readonly options: JwtVerifierOptions) {
    this.cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  }

  async verify(token: string, nowMs = Date.now()): Promise<AuthenticatedUser> {
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.expiresAtMs > nowMs) return cached.user;
      this.cache.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.options.keys, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      throw rejection(error);
    }
    const user = toUser(payload);
    this.remember(token, { user, expiresAtMs: (payload.exp ?? 0) * 1000 });
    return user;
  }

  /** How many verified tokens are remembered (for tests and metrics). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private remember(token: string, entry: CachedVerification): void {
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
