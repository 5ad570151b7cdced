/** Names shared by every app. Changing one is a breaking change of the public contract. */
export const JOB_KINDS = ['message', 'coupon', 'qr'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const PROVIDERS = ['free', 'paid'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const PLANS = ['free', 'paid'] as const;
export type Plan = (typeof PLANS)[number];

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The caller as the gateway knows it from a verified access token. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  plan: Plan;
  role: Role;
}
