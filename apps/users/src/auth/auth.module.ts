import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { LoginGuardModule } from '../login-guard/login-guard.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';

@Module({
  imports: [AccountsModule, LoginGuardModule, TokensModule],
  controllers: [AuthController],
  providers: [AuthService],
})
export class UsersAuthModule {}
