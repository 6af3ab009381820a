import type { Type } from '@nestjs/common';
import type { NatsOptions } from '@nestjs/microservices';
import { BusRequestDeserializer, BusResponseDeserializer } from './bus-codec';
import { FollowerController } from './follower.controller';
import { LeaderController } from './leader.controller';

/** What a node listens to on the bus: the active node answers followers; followers hear wake-ups. */
export function busControllers(active: boolean): Type[] {
  return active ? [LeaderController] : [FollowerController];
}

/**
 * NATS connection options for a node (Nest's NATS transport: core NATS, no acknowledgements).
 * Reconnects forever: a NATS restart is a pause of the wake-ups, never the end of a node. A
 * listening connection (`wait`) keeps trying until the server is first reached; a sending one
 * fails at once while there is none, so that a request is answered `not_active` in time. Either
 * reads what arrives with a deserializer that refuses, never throws (bus-codec.ts).
 */
export function natsOptions(bus: string, node: string | null, wait: boolean): NatsOptions['options'] {
  return {
    servers: bus.split(',').map((s) => s.trim()),
    name: `lifeline${node ? `:${node}` : ''}`,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: wait,
    deserializer: wait ? new BusRequestDeserializer() : new BusResponseDeserializer(),
  };
}
