import { JwtAuthGuard } from '@app/auth';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { QuotaResponseDto } from './quota.dto';
import { FreeQuotaService } from './free-quota.service';

@ApiTags('quota')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard)
@Controller('quota')
export class QuotaController {
  constructor(private readonly quota: FreeQuotaService) {}

  @Get()
  @ApiOperation({ summary: 'The shared free quota as every replica sees it' })
  @ApiResponse({ status: 200, type: QuotaResponseDto })
  async read(): Promise<QuotaResponseDto> {
    return QuotaResponseDto.from(await this.quota.snapshot());
  }
}
