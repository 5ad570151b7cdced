import { JwtAuthGuard, Roles, RolesGuard } from '@app/auth';
import { Controller, Get, Header, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardPage } from './dashboard-page';
import { DashboardSnapshotDto } from './dashboard.dto';
import { DashboardService } from './dashboard.service';
import { openEventStream } from './event-stream';

@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly page: DashboardPage,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({ summary: 'The live dashboard page (its data needs an admin login)' })
  @ApiProduces('text/html')
  html(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', this.page.contentSecurityPolicy)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer');
    return this.page.html;
  }

  @Get('data')
  @UseGuards(JwtAuthGuard, RolesGuard)
  @Roles('admin')
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One dashboard snapshot (admin): quota, traffic, cost, switches' })
  @ApiOkResponse({ type: DashboardSnapshotDto })
  data(): Promise<DashboardSnapshotDto> {
    return this.dashboard.snapshot();
  }

  @Get('events')
  @UseGuards(JwtAuthGuard, RolesGuard)
  @Roles('admin')
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'Server-Sent Events (admin): one snapshot per second' })
  @ApiProduces('text/event-stream')
  events(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.dashboard.open(openEventStream(request, reply));
  }
}
