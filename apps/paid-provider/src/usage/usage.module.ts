import { Module } from '@nestjs/common';
import { UsageController } from './usage.controller';
import { UsageLedger } from './usage.ledger';

@Module({
  controllers: [UsageController],
  providers: [UsageLedger],
  exports: [UsageLedger],
})
export class UsageModule {}
