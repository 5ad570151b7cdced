import { Module, type OnModuleDestroy } from '@nestjs/common';
import { closeQrRenderer } from './qr/render-qr';

/** Import where QR codes are rendered: stops the worker threads when the app closes. */
@Module({})
export class JobsModule implements OnModuleDestroy {
  async onModuleDestroy(): Promise<void> {
    await closeQrRenderer();
  }
}
