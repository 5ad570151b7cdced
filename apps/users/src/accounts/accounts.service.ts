import type { AuthenticatedUser, Plan } from '@app/contracts';
import { ConflictError, NotFoundError } from '@app/http';
import { Injectable } from '@nestjs/common';
import { PasswordHasher } from '../passwords/password-hasher';
import { toAuthenticatedUser } from './account';
import { AccountsRepository } from './accounts.repository';

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async register(email: string, password: string): Promise<AuthenticatedUser> {
    const passwordHash = await this.hasher.hash(password);
    const account = await this.accounts.create({ email, passwordHash, plan: 'free', role: 'user' });
    if (!account)
      throw new ConflictError('email-taken', 'An account with this email already exists.');
    return toAuthenticatedUser(account);
  }

  /**
   * The account when the password matches, else undefined. An unknown email is hashed
   * against a dummy, so both failures take the same time and look the same.
   */
  async authenticate(email: string, password: string): Promise<AuthenticatedUser | undefined> {
    const account = await this.accounts.findByEmail(email);
    if (!account) return this.hasher.verifyNothing(password).then(() => undefined);
    return (await this.hasher.verify(password, account.passwordHash))
      ? toAuthenticatedUser(account)
      : undefined;
  }

  async findById(id: string): Promise<AuthenticatedUser | undefined> {
    const account = await this.accounts.findById(id);
    return account && toAuthenticatedUser(account);
  }

  async get(id: string): Promise<AuthenticatedUser> {
    const user = await this.findById(id);
    if (!user) throw new NotFoundError(`No user ${id}.`);
    return user;
  }

  async setPlan(id: string, plan: Plan): Promise<AuthenticatedUser> {
    // Ids are UUIDs; anything else cannot name an account (nor another key under users:).
    if (!ACCOUNT_ID.test(id) || !(await this.accounts.update(id, { plan }))) {
      throw new NotFoundError(`No user ${id}.`);
    }
    return this.get(id);
  }

  /**
   * Makes sure the configured admin exists with role admin and plan paid. Safe when several
   * replicas run it at once: the email is claimed atomically and the rest only converges.
   */
  async ensureAdmin(email: string, password: string): Promise<AuthenticatedUser> {
    const passwordHash = await this.hasher.hash(password);
    const created = await this.accounts.create({
      email,
      passwordHash,
      plan: 'paid',
      role: 'admin',
    });
    if (created) return toAuthenticatedUser(created);
    const existing = await this.accounts.findByEmail(email);
    if (!existing) throw new NotFoundError(`The admin ${email} vanished during bootstrap.`);
    const changes = (await this.hasher.verify(password, existing.passwordHash))
      ? {}
      : { passwordHash };
    await this.accounts.update(existing.id, { plan: 'paid', role: 'admin', ...changes });
    return this.get(existing.id);
  }
}
