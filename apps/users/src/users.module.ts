import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { RedisModule } from '@app/redis';
import { type DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module';
import { UsersAuthModule } from './auth/auth.module';
import { KeysModule } from './keys/keys.module';
import type { UsersConfig } from './users.config';

@Module({})
export class UsersAppModule {
  static register(config: UsersConfig): DynamicModule {
    return {
      module: UsersAppModule,
      imports: [
        ConfigModule.forRoot(config),
        HealthModule,
        RedisModule,
        KeysModule,
        AccountsModule,
        UsersAuthModule,
      ],
    };
  }
}
