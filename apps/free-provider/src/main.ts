import { loadConfig } from '@app/config';
import { runApp } from '@app/http';
import { freeProviderConfigSchema } from './free-provider.config';
import { FreeProviderModule } from './free-provider.module';

const config = loadConfig(freeProviderConfigSchema);
void runApp({
  name: 'free-provider',
  module: FreeProviderModule.register(config),
  config,
  swagger: {
    title: 'Spillway free provider (simulation)',
    description:
      'A rate-limited free upstream that enforces its own quota and blocks on overshoot.',
    version: '1',
  },
});
