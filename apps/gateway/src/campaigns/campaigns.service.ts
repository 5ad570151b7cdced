import { NotFoundError, ValidationFailedError } from '@app/http';
import { Injectable } from '@nestjs/common';
import { CampaignStore } from './campaign-store';
import { CampaignDto, type CreateCampaignDto } from './campaigns.dto';
import { CampaignExistsError } from './campaigns.errors';

@Injectable()
export class CampaignsService {
  constructor(private readonly store: CampaignStore) {}

  /** Creates the campaign; the refillers fill its stock from idle free quota. */
  async create(dto: CreateCampaignDto): Promise<CampaignDto> {
    if (dto.stockTarget > dto.limit) {
      throw new ValidationFailedError([
        { field: 'stockTarget', message: 'stockTarget must not be greater than limit' },
      ]);
    }
    const definition = {
      slug: dto.slug,
      prefix: dto.prefix.toUpperCase(),
      limit: dto.limit,
      stockTarget: dto.stockTarget,
    };
    if (!(await this.store.create(definition))) throw new CampaignExistsError(dto.slug);
    this.store.requestRefill(dto.slug);
    return { ...definition, issued: 0, redeemed: 0, inStock: 0 };
  }

  async get(slug: string): Promise<CampaignDto> {
    const state = await this.store.state(slug);
    if (!state) throw new NotFoundError(`No campaign ${slug}.`);
    return CampaignDto.from(state);
  }
}
