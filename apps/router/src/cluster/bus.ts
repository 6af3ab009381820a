import type { Type } from '@nestjs/common';
import type { NatsOptions } from '@nestjs/microservices';
import { natsServers } from '@lifeline/gateway-sdk';
import { BusRequestDeserializer, BusResponseDeserializer } from './bus-codec';
import { FollowerController } from './follower.controller';
import { laneJobController } from './lane-job.controller';
import { LeaderController } from './leader.controller';

/**
 * What a node listens to on the bus: the active node answers followers; followers hear wake-ups
 * and, named, carry out the lane jobs sent to them.
 */
export function busControllers(active: boolean, node: string | null): Type[] {
  if (active) return [LeaderController];
  return node ? [FollowerController, laneJobController(node)] : [FollowerController];
}

/**
 * NATS connection options for a node (Nest's NATS transport: core NATS, no acknowledgements).
 * Once connected it reconnects forever: a NATS restart is a pause of the wake-ups, never the end
 * of a node. A first connection fails at once while there is no server (the caller tries again):
 * a connection still pending could not be closed, and would outlive its node's close. The
 * listening side (`server`) reads requests, the sending side answers, each with a deserializer
 * that refuses, never throws (bus-codec.ts).
 */
export function natsOptions(bus: string, node: string | null, side: 'server' | 'client'): NatsOptions['options'] {
  return {
    ...natsServers(bus),
    name: `lifeline${node ? `:${node}` : ''}`,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    deserializer: side === 'server' ? new BusRequestDeserializer() : new BusResponseDeserializer(),
  };
}
