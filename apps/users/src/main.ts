import { loadConfig } from '@app/config';
import { runApp } from '@app/http';
import { usersConfigSchema } from './users.config';
import { UsersAppModule } from './users.module';

const config = loadConfig(usersConfigSchema);
void runApp({
  name: 'users',
  module: UsersAppModule.register(config),
  config,
  swagger: {
    title: 'Spillway users',
    description: 'Accounts, passwords, access and refresh tokens, JWKS.',
    version: '1',
  },
});
