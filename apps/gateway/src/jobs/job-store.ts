import { APP_CONFIG } from '@app/config';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../gateway.config';
import { fromHash, toHash, type JobRecord, type JobStatus } from './job-record';

/**
 * Moves a job from one of the allowed states to the next and writes the given fields,
 * in one step: two workers (or a worker and a cancel) can never both win.
 * KEYS: job  ARGV: allowed statuses (comma list), ttlSeconds (0 = keep), field, value, ...
 */
const TRANSITION_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == status then allowed = true end
end
if not allowed then return status end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 'ok'
`;

interface JobCommands {
  spillwayJobTransition(key: string, ...args: Array<string | number>): Promise<string>;
}

export type TransitionResult = 'ok' | 'missing' | JobStatus;

@Injectable()
export class JobStore {
  private readonly commands: JobCommands;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeyspace,
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
  ) {
    if (!('spillwayJobTransition' in redis)) {
      redis.defineCommand('spillwayJobTransition', { numberOfKeys: 1, lua: TRANSITION_SCRIPT });
    }
    this.commands = redis as unknown as JobCommands;
  }

  private key(id: string): string {
    return this.keys.key('job', id);
  }

  nextSeq(): Promise<number> {
    return this.redis.incr(this.keys.key('job', 'seq'));
  }

  async create(record: JobRecord): Promise<void> {
    await this.redis.hset(this.key(record.id), toHash(record));
  }

  async remove(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  async get(id: string): Promise<JobRecord | null> {
    return fromHash(await this.redis.hgetall(this.key(id)));
  }

  async transition(
    id: string,
    from: readonly JobStatus[],
    fields: Partial<JobRecord>,
  ): Promise<TransitionResult> {
    const ends =
      fields.status === 'done' || fields.status === 'failed' || fields.status === 'cancelled';
    const args = Object.entries(toHash(fields)).flat();
    return (await this.commands.spillwayJobTransition(
      this.key(id),
      from.join(','),
      ends ? this.config.JOBS_RESULT_TTL_S : 0,
      ...args,
    )) as TransitionResult;
  }

  async setCallbackState(id: string, state: JobRecord['callback']): Promise<void> {
    await this.redis.hset(this.key(id), 'callback', state);
  }
}
