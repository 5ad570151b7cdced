import { PLANS, ROLES, type Plan, type Role } from '@app/contracts';
import { REDIS, RedisKeyspace } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { defineLuaScript, type LuaScript } from '../lua-script';
import { emailKey, type Account, type NewAccount } from './account';

/**
 * Claims the email (SET NX on its lower-cased index key) and writes the account in one
 * step, so two concurrent registrations of one address cannot both succeed.
 * KEYS: email index, account hash. ARGV: id, then field/value pairs. Returns 1 or 0.
 */
const CREATE_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('HSET', KEYS[2], unpack(ARGV, 2))
  return 1
end
return 0
`;

/** Accounts in Redis: `users:<id>` (hash) and `users:by-email:<email>` → id. */
@Injectable()
export class AccountsRepository {
  private readonly createScript: LuaScript;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: RedisKeyspace,
  ) {
    this.createScript = defineLuaScript(redis, 'spillwayCreateAccount', 2, CREATE_LUA);
  }

  /** The new account, or undefined when the email is taken. */
  async create(account: NewAccount): Promise<Account | undefined> {
    const created: Account = {
      id: randomUUID(),
      ...account,
      email: account.email.trim(),
      createdAt: Date.now(),
    };
    const fields = Object.entries(created).flatMap(([field, value]) => [field, String(value)]);
    const ok = await this.createScript(
      [this.emailIndexKey(created.email), this.accountKey(created.id)],
      [created.id, ...fields],
    );
    return ok === 1 ? created : undefined;
  }

  async findById(id: string): Promise<Account | undefined> {
    return parseAccount(await this.redis.hgetall(this.accountKey(id)));
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    const id = await this.redis.get(this.emailIndexKey(email));
    return id ? this.findById(id) : undefined;
  }

  /** Changes fields of an existing account; false when there is none. */
  async update(
    id: string,
    changes: Partial<Pick<Account, 'plan' | 'role' | 'passwordHash'>>,
  ): Promise<boolean> {
    const key = this.accountKey(id);
    if ((await this.redis.exists(key)) === 0) return false;
    await this.redis.hset(key, changes);
    return true;
  }

  private accountKey(id: string): string {
    return this.keyspace.key('users', id);
  }

  private emailIndexKey(email: string): string {
    return this.keyspace.key('users', 'by-email', emailKey(email));
  }
}

function parseAccount(hash: Record<string, string>): Account | undefined {
  const { id, email, passwordHash, plan, role, createdAt } = hash;
  if (!id || !email || !passwordHash) return undefined;
  if (!PLANS.includes(plan as Plan) || !ROLES.includes(role as Role)) return undefined;
  return {
    id,
    email,
    passwordHash,
    plan: plan as Plan,
    role: role as Role,
    createdAt: Number(createdAt),
  };
}
