import { Module } from '@nestjs/common';
import { PasswordHasher } from '../passwords/password-hasher';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { AdminBootstrap } from './admin-bootstrap';

@Module({
  controllers: [AccountsController],
  providers: [
    { provide: PasswordHasher, useFactory: () => new PasswordHasher() },
    AccountsRepository,
    AccountsService,
    AdminBootstrap,
  ],
  exports: [AccountsService],
})
export class AccountsModule {}
