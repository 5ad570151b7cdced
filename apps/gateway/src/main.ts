import { loadConfig } from '@app/config';
import { runApp } from '@app/http';
import { gatewayConfigSchema } from './gateway.config';
import { GatewayModule } from './gateway.module';

const config = loadConfig(gatewayConfigSchema);
void runApp({
  name: 'gateway',
  module: GatewayModule.register(config),
  config,
  swagger:
    config.GATEWAY_MODE === 'worker'
      ? undefined
      : {
          title: 'Spillway gateway',
          description:
            'The public entry point: log in, then send message, coupon and QR jobs. Free provider first, paid when free is used up.',
          version: '1',
        },
});
