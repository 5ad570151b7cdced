import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { type DynamicModule, Module } from '@nestjs/common';
import type { PaidProviderConfig } from './paid-provider.config';

@Module({})
export class PaidProviderModule {
  static register(config: PaidProviderConfig): DynamicModule {
    return {
      module: PaidProviderModule,
      imports: [ConfigModule.forRoot(config), HealthModule],
    };
  }
}
