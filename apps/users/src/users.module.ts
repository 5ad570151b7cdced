import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { MetricsModule } from '@app/metrics';
import { RedisModule } from '@app/redis';
import { type DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module';
import { UsersAuthModule } from './auth/auth.module';
import type { UsersConfig } from './users.config';
import { VerificationModule } from './verification/verification.module';

@Module({})
export class UsersAppModule {
  static register(config: UsersConfig): DynamicModule {
    return {
      module: UsersAppModule,
      imports: [
        ConfigModule.forRoot(config),
        HealthModule,
        MetricsModule,
        RedisModule,
        VerificationModule,
        AccountsModule,
        UsersAuthModule,
      ],
    };
  }
}
