import { resolve } from 'node:path';

interface RedisHandle {
  url: string;
  started: boolean;
  stop(): Promise<void>;
}

// Plain CommonJS helpers shared with `npm start`, so both follow the same Redis rule.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureRedis } = require('../../scripts/redis.cjs') as {
  ensureRedis(options: { dataDir: string }): Promise<RedisHandle>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { build } = require('../../scripts/build.cjs') as { build(): void };

declare global {
  var spillwayTestRedis: RedisHandle | undefined;
}

export default async function globalSetup(): Promise<void> {
  const root = resolve(__dirname, '../..');
  build();
  const redis = await ensureRedis({ dataDir: resolve(root, '.spillway/redis-test') });
  process.env.REDIS_URL = redis.url;
  globalThis.spillwayTestRedis = redis;
}
