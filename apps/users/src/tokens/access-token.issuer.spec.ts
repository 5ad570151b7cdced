import { JwtVerifier } from '@app/auth';
import { parseConfig } from '@app/config';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
} from 'jose';
import type { SigningKeyStore } from '../keys/signing-key.store';
import { usersConfigSchema } from '../users.config';
import { AccessTokenIssuer } from './access-token.issuer';

describe('AccessTokenIssuer', () => {
  const config = parseConfig(usersConfigSchema, { JWT_ACCESS_TTL_S: '300' });
  const user = {
    id: 'u-1',
    email: 'ada@example.com',
    plan: 'free' as const,
    role: 'user' as const,
  };

  async function setup() {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const keys = { signingKey: () => Promise.resolve({ kid, privateKey, publicJwk }) };
    const issuer = new AccessTokenIssuer(keys as unknown as SigningKeyStore, config);
    const verifier = new JwtVerifier({
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      keys: createLocalJWKSet({ keys: [{ ...publicJwk, kid }] }),
    });
    return { issuer, verifier, kid };
  }

  it('issues an ES256 token with kid and every claim of the contract', async () => {
    const { issuer, kid } = await setup();
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresIn } = await issuer.issue(user, now);
    expect(expiresIn).toBe(300);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      sub: 'u-1',
      email: 'ada@example.com',
      plan: 'free',
      role: 'user',
      iss: 'spillway-users',
      aud: 'spillway',
      iat: now / 1000,
      exp: now / 1000 + 300,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
  });

  it('issues tokens the shared verifier accepts, each with its own jti', async () => {
    const { issuer, verifier } = await setup();
    const [a, b] = await Promise.all([issuer.issue(user), issuer.issue({ ...user, plan: 'paid' })]);
    await expect(verifier.verify(a.token)).resolves.toEqual(user);
    await expect(verifier.verify(b.token)).resolves.toEqual({ ...user, plan: 'paid' });
    expect(decodeJwt(a.token).jti).not.toBe(decodeJwt(b.token).jti);
  });
});
