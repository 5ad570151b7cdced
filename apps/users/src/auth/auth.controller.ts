import {
  CurrentUser,
  JwtAuthGuard,
  presentedToken,
  readCookie,
  REFRESH_TOKEN_COOKIE,
} from '@app/auth';
import { APP_CONFIG } from '@app/config';
import type { AuthenticatedUser } from '@app/contracts';
import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toUserDto, UserDto } from '../accounts/accounts.dto';
import { clientIp } from '../login-guard/client-ip';
import type { UsersConfig } from '../users.config';
import { LoginDto, RegisterDto, TokenResponseDto, toTokenResponse } from './auth.dto';
import { AuthService } from './auth.service';
import { clearedCookies, sessionCookies } from './session-cookies';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  private readonly secureCookies: boolean;

  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) config: UsersConfig,
  ) {
    this.secureCookies = config.COOKIE_SECURE ?? config.NODE_ENV === 'production';
  }

  @Post('register')
  @ApiOperation({ summary: 'Create an account (plan free, role user)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Invalid email or password.' })
  @ApiConflictResponse({ description: 'The email is taken (case-insensitive).' })
  async register(@Body() body: RegisterDto): Promise<UserDto> {
    return toUserDto(await this.auth.register(body.email, body.password));
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: an access token in the body and both tokens as cookies' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ description: 'Unknown email or wrong password (the same answer).' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed logins; see Retry-After.' })
  async login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    const session = await this.auth.login(body.email, body.password, clientIp(request));
    void reply.header('set-cookie', sessionCookies(session, this.secureCookies));
    return toTokenResponse(session);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Trade the refresh_token cookie for new tokens (it rotates)' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ description: 'Missing, expired, revoked or reused refresh token.' })
  async refresh(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    try {
      const session = await this.auth.refresh(
        readCookie(request.headers.cookie, REFRESH_TOKEN_COOKIE),
      );
      void reply.header('set-cookie', sessionCookies(session, this.secureCookies));
      return toTokenResponse(session);
    } catch (error) {
      void reply.header('set-cookie', clearedCookies(this.secureCookies));
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Revoke the refresh token family (and the access token presented) and clear both cookies',
  })
  @ApiNoContentResponse({ description: 'Logged out (also when there was no session).' })
  async logout(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.logout(
      readCookie(request.headers.cookie, REFRESH_TOKEN_COOKIE),
      presentedToken(request)?.token,
    );
    void reply.header('set-cookie', clearedCookies(this.secureCookies));
  }

  @Get('me')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'The caller, as stored now' })
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'No or invalid access token.' })
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return toUserDto(await this.auth.me(user));
  }
}
