import { ConfigModule } from '@app/config';
import { HealthModule } from '@app/http';
import { type DynamicModule, Module } from '@nestjs/common';
import type { FreeProviderConfig } from './free-provider.config';

@Module({})
export class FreeProviderModule {
  static register(config: FreeProviderConfig): DynamicModule {
    return {
      module: FreeProviderModule,
      imports: [ConfigModule.forRoot(config), HealthModule],
    };
  }
}
