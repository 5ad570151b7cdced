import { loadConfig } from '@app/config';
import { runApp } from '@app/http';
import { paidProviderConfigSchema } from './paid-provider.config';
import { PaidProviderModule } from './paid-provider.module';

const config = loadConfig(paidProviderConfigSchema);
void runApp({
  name: 'paid-provider',
  module: PaidProviderModule.register(config),
  config,
  swagger: {
    title: 'Spillway paid provider (simulation)',
    description: 'A metered upstream behind an API key; every job response says what it cost.',
    version: '1',
  },
});
