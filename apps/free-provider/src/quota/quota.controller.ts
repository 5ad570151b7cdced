import { FREE_STATS_PATH } from '@app/jobs';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FreeProviderStatsDto } from './quota.dto';
import { FreeQuota } from './free-quota';

@ApiTags('quota')
@Controller()
export class QuotaController {
  constructor(private readonly quota: FreeQuota) {}

  @Get(FREE_STATS_PATH)
  @ApiOperation({ summary: 'Quota counters since start (this call is not counted)' })
  @ApiOkResponse({ type: FreeProviderStatsDto })
  stats(): FreeProviderStatsDto {
    return this.quota.stats();
  }
}
