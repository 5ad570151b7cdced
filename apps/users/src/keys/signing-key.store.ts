import { APP_CONFIG } from '@app/config';
import { ConflictError } from '@app/http';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  calculateJwkThumbprint,
  errors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { ACCESS_TOKEN_ALG } from '@app/auth';
import { defineLuaScript, type LuaScript } from '../lua-script';
import type { UsersConfig } from '../users.config';

/** A key this service signs with. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** How the shared key sits in Redis. The private key is there only when it was generated. */
interface StoredSigningKey {
  kid: string;
  privateKeyPem: string;
  publicJwk: JWK;
  createdAt: number;
}

/** A public key kept in the JWKS after rotation until the last token it signed has expired. */
interface RetiredPublicKey {
  jwk: JWK;
  serveUntil: number;
}

/** Tokens signed just before a rotation may reach a verifier with this much clock skew. */
const ROTATION_SKEW_MS = 60_000;
/** An unknown kid reloads the key set from Redis at most this often. */
const RELOAD_COOLDOWN_MS = 1_000;

/**
 * Swaps the active key and keeps the old public key until serveUntil, in one step so two
 * rotations at once cannot lose a key. Returns the previous kid (or false).
 */
const ROTATE_LUA = `
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
if not previous then return false end
local old = cjson.decode(previous)
redis.call('HSET', KEYS[2], old.kid, cjson.encode({ jwk = old.publicJwk, serveUntil = tonumber(ARGV[2]) }))
return old.kid
`;

function publicPart(jwk: JWK): JWK {
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    kid: jwk.kid,
    alg: ACCESS_TOKEN_ALG,
    use: 'sig',
  };
}

async function describeKey(privateKey: CryptoKey): Promise<{ kid: string; publicJwk: JWK }> {
  const { kty, crv, x, y } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty, crv, x, y });
  return { kid, publicJwk: publicPart({ kty, crv, x, y, kid }) };
}

/**
 * The ES256 signing key and the public key set. With JWT_PRIVATE_KEY the key is pinned;
 * without it one key is generated and shared through Redis (SET NX, so replicas starting
 * together agree), and `rotate()` replaces it while the JWKS keeps the old public key.
 */
@Injectable()
export class SigningKeyStore implements OnModuleInit {
  private readonly logger = new Logger(SigningKeyStore.name);
  private readonly activeKey: string;
  private readonly retiredKey: string;
  private readonly rotateScript: LuaScript;
  private pinned?: SigningKey;
  /** The shared key last read from Redis, by its stored JSON, so it is imported once. */
  private shared?: { json: string; key: SigningKey };
  private verificationKeys = new Map<string, CryptoKey>();
  private lastReload = 0;
  private reloading?: Promise<void>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: UsersConfig,
  ) {
    this.activeKey = keyspace.key('jwt-keys', 'active');
    this.retiredKey = keyspace.key('jwt-keys', 'retired');
    this.rotateScript = defineLuaScript(redis, 'spillwayRotateSigningKey', 2, ROTATE_LUA);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.JWT_PRIVATE_KEY) {
      this.pinned = await this.importPinned(this.config.JWT_PRIVATE_KEY);
      this.logger.log(`signing with the configured key ${this.pinned.kid}`);
      return;
    }
    try {
      const key = await this.signingKey();
      this.logger.log(`signing with the shared key ${key.kid}`);
    } catch {
      this.logger.warn('the shared signing key is not readable yet (Redis down?); retrying on use');
    }
  }

  /** The key to sign with now (re-read from Redis so a rotation by any replica applies). */
  async signingKey(): Promise<SigningKey> {
    if (this.pinned) return this.pinned;
    let json = await this.redis.get(this.activeKey);
    if (json === null) {
      await this.redis.set(this.activeKey, await this.generate(), 'NX');
      json = await this.redis.get(this.activeKey);
      if (json === null) throw new Error('the shared signing key vanished');
    }
    if (this.shared?.json !== json) this.shared = { json, key: await this.parse(json) };
    return this.shared.key;
  }

  /** Public keys to publish: the active one and retired ones whose tokens may still be valid. */
  async publicKeys(now = Date.now()): Promise<JWK[]> {
    const active = await this.signingKey();
    const retired = await this.redis.hgetall(this.retiredKey);
    const keys: JWK[] = [active.publicJwk];
    const expired: string[] = [];
    for (const [kid, json] of Object.entries(retired)) {
      const entry = JSON.parse(json) as RetiredPublicKey;
      if (entry.serveUntil > now) {
        if (kid !== active.kid) keys.push(publicPart({ ...entry.jwk, kid }));
      } else expired.push(kid);
    }
    if (expired.length > 0) await this.redis.hdel(this.retiredKey, ...expired);
    return keys;
  }

  /**
   * Key lookup by kid for local verification. An unknown kid reloads the set from Redis at
   * most once per cooldown; lookups during the cooldown wait for that one reload.
   */
  async verificationKey(header: JWTHeaderParameters): Promise<CryptoKey> {
    const kid = header.kid;
    if (header.alg !== ACCESS_TOKEN_ALG || !kid) throw new errors.JWKSNoMatchingKey();
    if (!this.verificationKeys.has(kid)) await this.reloadVerificationKeys();
    const key = this.verificationKeys.get(kid);
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  }

  private reloadVerificationKeys(): Promise<void> {
    this.reloading ??= (async () => {
      const wait = this.lastReload + RELOAD_COOLDOWN_MS - Date.now();
      if (wait > 0) await sleep(wait);
      this.lastReload = Date.now();
      const next = new Map<string, CryptoKey>();
      for (const jwk of await this.publicKeys()) {
        next.set(jwk.kid!, (await importJWK(jwk, ACCESS_TOKEN_ALG)) as CryptoKey);
      }
      this.verificationKeys = next;
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** Generates a new active key; the previous public key stays published until its tokens expire. */
  async rotate(now = Date.now()): Promise<{ kid: string; previousKid: string | null }> {
    if (this.pinned) {
      throw new ConflictError(
        'signing-key-pinned',
        'The signing key is pinned by JWT_PRIVATE_KEY; rotate it by replacing that variable.',
      );
    }
    const json = await this.generate();
    const serveUntil = now + this.config.JWT_ACCESS_TTL_S * 1000 + ROTATION_SKEW_MS;
    const previousKid = (await this.rotateScript(
      [this.activeKey, this.retiredKey],
      [json, serveUntil],
    )) as string | null;
    this.lastReload = 0;
    const { kid } = JSON.parse(json) as StoredSigningKey;
    this.logger.log(`rotated the signing key to ${kid} (previous ${previousKid ?? 'none'})`);
    return { kid, previousKid };
  }

  private async generate(): Promise<string> {
    const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
    const { kid, publicJwk } = await describeKey(privateKey);
    const stored: StoredSigningKey = {
      kid,
      privateKeyPem: await exportPKCS8(privateKey),
      publicJwk,
      createdAt: Date.now(),
    };
    return JSON.stringify(stored);
  }

  private async parse(json: string): Promise<SigningKey> {
    const stored = JSON.parse(json) as StoredSigningKey;
    const privateKey = await importPKCS8(stored.privateKeyPem, ACCESS_TOKEN_ALG);
    return { kid: stored.kid, privateKey, publicJwk: stored.publicJwk };
  }

  private async importPinned(pem: string): Promise<SigningKey> {
    let privateKey: CryptoKey;
    try {
      privateKey = await importPKCS8(pem, ACCESS_TOKEN_ALG, {
        extractable: true,
      });
    } catch {
      throw new Error('JWT_PRIVATE_KEY must be a PEM (PKCS#8) P-256 private key for ES256');
    }
    const { kid, publicJwk } = await describeKey(privateKey);
    return { kid, privateKey, publicJwk };
  }
}
