import {
  base64url,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { JwtVerifier, TokenRejectedError } from './jwt-verifier';

const ISSUER = 'spillway-users';
const AUDIENCE = 'spillway';
const KID = 'key-1';

describe('JwtVerifier', () => {
  let privateKey: CryptoKey;
  let publicPem: string;
  let jwks: JSONWebKeySet;
  let verifier: JwtVerifier;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256' }] };
  });

  beforeEach(() => {
    verifier = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createLocalJWKSet(jwks),
    });
  });

  const claims = { email: 'ada@example.com', plan: 'paid', role: 'user' };

  function sign(
    payload: JWTPayload = claims,
    options: {
      key?: CryptoKey;
      kid?: string;
      iss?: string;
      aud?: string;
      exp?: string | number;
    } = {},
  ) {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? KID })
      .setSubject('user-1')
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt()
      .setJti('jti-1')
      .setExpirationTime(options.exp ?? '15m')
      .sign(options.key ?? privateKey);
  }

  async function reason(token: string): Promise<string> {
    const error = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenRejectedError);
    return (error as TokenRejectedError).reason;
  }

  it('returns the user of a valid token', async () => {
    await expect(verifier.verify(await sign())).resolves.toEqual({
      id: 'user-1',
      email: 'ada@example.com',
      plan: 'paid',
      role: 'user',
    });
  });

  it('refuses an expired token', async () => {
    expect(await reason(await sign(claims, { exp: Math.floor(Date.now() / 1000) - 10 }))).toBe(
      'ERR_JWT_EXPIRED',
    );
  });

  it('refuses a token that is not valid yet (nbf)', async () => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: KID })
      .setSubject('user-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti('j')
      .setNotBefore('10m')
      .setExpirationTime('15m')
      .sign(privateKey);
    expect(await reason(token)).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const other = await generateKeyPair('ES256');
    expect(await reason(await sign(claims, { key: other.privateKey }))).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('refuses an unknown kid', async () => {
    const other = await generateKeyPair('ES256');
    expect(await reason(await sign(claims, { key: other.privateKey, kid: 'nope' }))).toBe(
      'ERR_JWKS_NO_MATCHING_KEY',
    );
  });

  it('refuses alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: KID }));
    const valid = (await sign()).split('.')[1];
    expect(await reason(`${header}.${valid}.`)).toMatch(
      /^ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID$/,
    );
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .setSubject('user-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti('j')
      .setExpirationTime('15m')
      .sign(new TextEncoder().encode(publicPem));
    expect(await reason(token)).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await sign()).split('.');
    const payload = base64url.encode(
      JSON.stringify({
        ...claims,
        role: 'admin',
        sub: 'user-1',
        iss: ISSUER,
        aud: AUDIENCE,
        exp: 9e9,
      }),
    );
    expect(await reason(`${header}.${payload}.${signature}`)).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('refuses a wrong issuer or audience', async () => {
    expect(await reason(await sign(claims, { iss: 'someone-else' }))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    expect(await reason(await sign(claims, { aud: 'other-service' }))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('refuses a token without the user claims or with an unknown plan', async () => {
    expect(await reason(await sign({ email: 'a@b.c', role: 'user' }))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    expect(await reason(await sign({ ...claims, plan: 'gold' }))).toBe('claims');
  });

  it('answers a verified token from memory until it expires', async () => {
    let lookups = 0;
    const local = createLocalJWKSet(jwks);
    verifier = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: (header, token) => {
        lookups += 1;
        return local(header, token);
      },
    });
    const token = await sign(claims, { exp: Math.floor(Date.now() / 1000) + 60 });
    await verifier.verify(token);
    // The speed this buys is measured by `npm run bench`; here: one key lookup, ever.
    for (let i = 0; i < 1000; i += 1) await verifier.verify(token);
    expect(lookups).toBe(1);
    // Past its expiry the cached entry is not used.
    await expect(verifier.verify(token, Date.now() + 61_000)).rejects.toThrow(TokenRejectedError);
  });

  it('keeps the cache bounded', async () => {
    verifier = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createLocalJWKSet(jwks),
      cacheSize: 3,
    });
    for (let i = 0; i < 5; i += 1) await verifier.verify(await sign({ ...claims, n: i }));
    expect(verifier.cachedCount).toBeLessThanOrEqual(3);
  });

  it('asks isRevoked on every use, cached or not, and maps its failure to keys-unavailable', async () => {
    const revoked = new Set<string>();
    let fail = false;
    verifier = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createLocalJWKSet(jwks),
      isRevoked: ({ jti }) =>
        fail ? Promise.reject(new Error('redis down')) : Promise.resolve(revoked.has(jti)),
    });
    const token = await sign();
    await expect(verifier.verifyToken(token)).resolves.toMatchObject({ jti: 'jti-1' });
    revoked.add('jti-1');
    expect(await reason(token)).toBe('revoked');
    fail = true;
    const error = (await verifier.verify(token).catch((e: unknown) => e)) as TokenRejectedError;
    expect(error.keysUnavailable).toBe(true);
  });
});
