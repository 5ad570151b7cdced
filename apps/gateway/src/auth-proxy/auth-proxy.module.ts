import { Module } from '@nestjs/common';
import { AuthProxyController } from './auth-proxy.controller';
import { UsersProxy } from './users-proxy';

/** /auth/*, /users/* and the JWKS, forwarded to the users service. */
@Module({ controllers: [AuthProxyController], providers: [UsersProxy] })
export class AuthProxyModule {}
