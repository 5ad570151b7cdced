import { JwtAuthGuard, JWKS_PATH, Roles, RolesGuard } from '@app/auth';
import { Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { JwksDto, RotationDto, toJwksDto } from './keys.dto';
import { SigningKeyStore } from './signing-key.store';

@ApiTags('keys')
@Controller()
export class KeysController {
  constructor(private readonly keys: SigningKeyStore) {}

  @Get(JWKS_PATH.slice(1))
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({ summary: 'Public keys that verify access tokens (the active and recent ones)' })
  @ApiOkResponse({ type: JwksDto })
  async jwks(): Promise<JwksDto> {
    return toJwksDto(await this.keys.publicKeys());
  }

  @Post('keys/rotate')
  @HttpCode(200)
  @UseGuards(JwtAuthGuard, RolesGuard)
  @Roles('admin')
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'Start signing with a new key (admin); the old one stays published' })
  @ApiOkResponse({ type: RotationDto })
  @ApiForbiddenResponse({ description: 'The caller is not an admin.' })
  @ApiConflictResponse({ description: 'The key is pinned by JWT_PRIVATE_KEY.' })
  rotate(): Promise<RotationDto> {
    return this.keys.rotate();
  }
}
