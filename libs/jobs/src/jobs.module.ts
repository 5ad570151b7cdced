import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyCache, IdempotencyInterceptor } from './idempotency';
import { closeQrRenderer } from './qr/render-qr';

/**
 * Import where jobs are processed: stops the QR worker threads when the app closes, and
 * shares one idempotency cache between a provider's quota gate and its job routes.
 */
@Global()
@Module({
  providers: [IdempotencyCache, IdempotencyInterceptor],
  exports: [IdempotencyCache, IdempotencyInterceptor],
})
export class JobsModule implements OnApplicationShutdown {
  // Not onModuleDestroy: that runs before the HTTP server drains, and in-flight requests
  // may still be rendering.
  async onApplicationShutdown(): Promise<void> {
    await closeQrRenderer();
  }
}
