import { JwtAuthGuard } from '@app/auth';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { StatsResponseDto } from './stats.dto';
import { StatsService } from './stats.service';

@ApiTags('stats')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@UseGuards(JwtAuthGuard)
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({ summary: 'Provider calls, shares, latency and job counts of all replicas' })
  @ApiResponse({ status: 200, type: StatsResponseDto })
  async read(): Promise<StatsResponseDto> {
    return StatsResponseDto.from(await this.stats.read());
  }
}
