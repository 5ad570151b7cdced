import type { AuthenticatedUser, Plan, Role } from '@app/contracts';

/** A stored account. The password hash never leaves the accounts feature. */
export interface Account extends AuthenticatedUser {
  passwordHash: string;
  createdAt: number;
}

export interface NewAccount {
  email: string;
  passwordHash: string;
  plan: Plan;
  role: Role;
}

/** Emails are unique regardless of case and surrounding spaces. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export function toAuthenticatedUser(account: Account): AuthenticatedUser {
  return { id: account.id, email: account.email, plan: account.plan, role: account.role };
}
