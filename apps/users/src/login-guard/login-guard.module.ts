import { Module } from '@nestjs/common';
import { LoginAttemptLimiter } from './login-attempt.limiter';

@Module({ providers: [LoginAttemptLimiter], exports: [LoginAttemptLimiter] })
export class LoginGuardModule {}
