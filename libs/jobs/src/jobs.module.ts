import { Global, Module, type OnModuleDestroy } from '@nestjs/common';
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
export class JobsModule implements OnModuleDestroy {
  async onModuleDestroy(): Promise<void> {
    await closeQrRenderer();
  }
}
