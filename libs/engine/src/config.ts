import type { Channels, Priority } from '@lifeline/domain';
import type { RelayConfig } from './relays';

export interface EngineConfig {
  channels: Channels;
  /** Channel preference per priority; `default` for the rest. */
  preference: Partial<Record<Priority, string[]>> & { default: string[] };
  retry: { baseS: number; maxS: number };
  /** Deliveries started per write job, and how many may wait at the dispatcher before more start. */
  startBatch: number;
  dispatchHighWater: number;
  /** Events applied per write job. */
  eventBatch: number;
  /** Final status is promised by ttl + grace. */
  graceS: number;
  /** After a start, how long gateways of other processes have to reconnect before their channels count as down. */
  gatewayGraceS: number;
  /**
   * A gateway whose link drops and comes back within this keeps what it was handed (no second
   * transmission); meanwhile its areas are `degraded`. Past it, its sends go back to the queue.
   */
  linkGraceS: number;
  /** Mobile resources answering relay requests; none by default in tests that do not ask. */
  relays?: RelayConfig;
}

export function preferenceFor(config: EngineConfig, priority: Priority): string[] {
  return config.preference[priority] ?? config.preference.default;
}
