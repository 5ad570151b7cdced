import { All, Controller, Get, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UsersProxy } from './users-proxy';

const credentials = {
  schema: {
    type: 'object',
    required: ['email', 'password'],
    properties: {
      email: { type: 'string', format: 'email' },
      password: { type: 'string', format: 'password' },
    },
  },
};

/**
 * The users service's public paths, served by the gateway (answers come from users as is).
 * The named routes document the API; the wildcards pass anything else under /auth and /users.
 */
@ApiTags('auth')
@Controller()
export class AuthProxyController {
  constructor(private readonly proxy: UsersProxy) {}

  @Post('auth/register')
  @ApiOperation({ summary: 'Create an account → 201 {id, email, plan, role} (409 duplicate)' })
  @ApiBody(credentials)
  register(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @Post('auth/login')
  @ApiOperation({ summary: 'Log in → {accessToken, tokenType, expiresIn, user} and both cookies' })
  @ApiBody(credentials)
  login(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @Post('auth/refresh')
  @ApiOperation({ summary: 'Rotate the refresh_token cookie → new tokens' })
  refresh(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @Post('auth/logout')
  @ApiOperation({ summary: 'Revoke the session and clear both cookies → 204' })
  logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @Get('auth/me')
  @ApiOperation({ summary: 'The caller → {id, email, plan, role}' })
  me(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Set a user's plan (admin) {plan: free|paid}" })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['plan'],
      properties: { plan: { enum: ['free', 'paid'] } },
    },
  })
  setPlan(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: 'Public keys that verify access tokens' })
  jwks(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }

  @All(['auth/*', 'users/*'])
  @ApiExcludeEndpoint()
  other(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.proxy.forward(request, reply);
  }
}
