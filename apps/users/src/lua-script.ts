import type { Redis } from 'ioredis';

export type LuaScript = (keys: string[], args: Array<string | number>) => Promise<unknown>;

type ScriptCommand = (...keysAndArgs: Array<string | number>) => Promise<unknown>;

/** Registers a Lua script once per client; ioredis runs it with EVALSHA and reloads on NOSCRIPT. */
export function defineLuaScript(
  redis: Redis,
  name: string,
  keyCount: number,
  lua: string,
): LuaScript {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  if (typeof commands[name] !== 'function')
    redis.defineCommand(name, { numberOfKeys: keyCount, lua });
  return (keys, args) => {
    if (keys.length !== keyCount) throw new TypeError(`${name} takes ${keyCount} keys`);
    return (commands[name] as ScriptCommand).call(redis, ...keys, ...args);
  };
}
