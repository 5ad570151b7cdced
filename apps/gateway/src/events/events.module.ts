import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { EventsPublisher } from './events-publisher';

/** Lifecycle events on the Redis Stream. */
@Module({
  imports: [RoutingModule],
  providers: [EventsPublisher],
  exports: [EventsPublisher],
})
export class EventsModule {}
