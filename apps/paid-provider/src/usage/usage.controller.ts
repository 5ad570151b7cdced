import { PAID_USAGE_PATH } from '@app/jobs';
import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { PaidProviderUsageDto } from './usage.dto';
import { UsageLedger } from './usage.ledger';

@ApiTags('usage')
@ApiSecurity('api-key')
@UseGuards(ApiKeyGuard)
@Controller()
export class UsageController {
  constructor(private readonly ledger: UsageLedger) {}

  @Get(PAID_USAGE_PATH)
  @ApiOperation({ summary: 'Billed job calls and their cost since start' })
  @ApiOkResponse({ type: PaidProviderUsageDto })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong X-Api-Key.' })
  usage(): PaidProviderUsageDto {
    return this.ledger.usage();
  }
}
