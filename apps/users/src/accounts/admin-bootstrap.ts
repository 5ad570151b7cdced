import { APP_CONFIG } from '@app/config';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { UsersConfig } from '../users.config';
import { AccountsService } from './accounts.service';

const RETRY_MS = 2_000;

/** Creates (or repairs) the ADMIN_EMAIL account at startup; retries while Redis is down. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdminBootstrap.name);
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: UsersConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config;
    if (email && password) await this.ensure(email, password);
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  private async ensure(email: string, password: string): Promise<void> {
    try {
      const admin = await this.accounts.ensureAdmin(email, password);
      this.logger.log(`admin account ready (${admin.id})`);
    } catch (error) {
      this.logger.warn(
        `admin bootstrap failed (${error instanceof Error ? error.message : 'unknown'}); retrying`,
      );
      this.retry = setTimeout(() => void this.ensure(email, password), RETRY_MS);
      this.retry.unref();
    }
  }
}
