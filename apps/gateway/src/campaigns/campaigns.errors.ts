import { ConflictError, DomainError } from '@app/http';

export class CampaignExistsError extends ConflictError {
  constructor(slug: string) {
    super('campaign-exists', `A campaign ${slug} already exists.`);
  }
}

/** Issuing `requested` more would pass the campaign's limit; `available` are left. */
export class CampaignLimitReachedError extends DomainError {
  constructor(slug: string, requested: number, available: number) {
    super('campaign-limit-reached', 409, 'Conflict', {
      detail: `Campaign ${slug} has ${available} coupon(s) left to issue; ${requested} requested.`,
      extensions: { available },
    });
  }
}
