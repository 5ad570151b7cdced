/**
 * Every key this deployment writes starts with REDIS_KEY_PREFIX. Keys are prefixed
 * explicitly rather than with ioredis' keyPrefix option, because BullMQ refuses that
 * option and Lua scripts must see the same names.
 */
export class RedisKeyspace {
  constructor(readonly prefix: string) {}

  key(...parts: Array<string | number>): string {
    return this.prefix + parts.join(':');
  }
}
