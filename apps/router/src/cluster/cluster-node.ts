import { hostname } from 'node:os';
import type { Log } from '@lifeline/domain';
import { isPostgresUrl, type ActiveWriter, type LeaseOptions } from '@lifeline/store';
import type pino from 'pino';
import type { Config } from '../config/config.schema';
import { ConfigError } from '../config/load-config';
import { natsServers } from '@lifeline/gateway-sdk';
import { FollowerNode } from './follower-node';
import { StandbyListener } from './standby-listener';

export interface ClusterNode {
  lease: Partial<LeaseOptions>;
  /** Serves the port while this node waits for the lease; the router takes the port over. */
  standby?: StandbyListener | FollowerNode;
}

/** What a follower needs beyond the config: where the database is, and the admin token. */
export interface NodeEnv {
  database?: string;
  adminToken?: string;
  bus?: string;
  logger: pino.Logger;
}

/**
 * This process's part in a cluster, from the config (`cluster:`) and the environment
 * (`LIFELINE_STANDBY=1`, `LIFELINE_NODE`, `LIFELINE_BUS`). A standby serves at once while it
 * waits, and logs who is active and any node it fences off: with a bus, as a follower (consoles,
 * the API, orders passed on); without one, `/health` and 503 to everything else.
 */
export async function clusterNode(config: Config, host: string, port: number, log: Log, env: NodeEnv): Promise<ClusterNode> {
  const bus = env.bus ?? config.cluster.bus;
  if (env.bus) checkBus(env.bus);
  // A bus on PostgreSQL is a cluster to join (contract: LIFELINE_BUS joins a cluster): every such
  // node waits for the lease as a follower, the first to start takes it at once.
  const joins = bus !== null && bus !== undefined && isPostgresUrl(env.database ?? config.database);
  const standby = process.env.LIFELINE_STANDBY === '1' || config.cluster.standby || joins;
  const node = process.env.LIFELINE_NODE ?? config.cluster.node ?? `${hostname()}:${port || process.pid}`;
  const lease = { node, leaseS: config.cluster.leaseS, standby };
  if (!standby) return { lease };
  const listener = bus
    ? FollowerNode.start({ config, database: env.database, adminToken: env.adminToken, host, port, bus, logger: env.logger, log, lease })
    : await StandbyListener.listen(host, port, node, config.server.maxConnections);
  if (listener instanceof StandbyListener) log.info(`standby on ${listener.url}: node ${node} waits for the writer lease`);
  let last: string | null = null;
  const whileWaiting = (active: ActiveWriter | null) => {
    if (listener instanceof StandbyListener) listener.report(active);
    else listener.activeIs(active?.node ?? null);
    if (active?.fenced) log.warn(`node ${active.node} silent for ${active.silentS.toFixed(1)} s (lease ${config.cluster.leaseS} s): ended its session to take over`);
    else if (active && active.node !== last) log.info(`node ${active.node} is active (epoch ${active.epoch})`);
    last = active?.node ?? null;
  };
  let lastError: string | null = null;
  const onWaitError = (e: Error) => {
    if (e.message !== lastError) log.warn(`waiting for the writer lease: ${e.message}; asking again`);
    lastError = e.message;
  };
  return { lease: { ...lease, whileWaiting, onWaitError }, standby: listener };
}

/** LIFELINE_BUS, refused at start as a bad config is (exit 2), not tried again forever. */
function checkBus(bus: string): void {
  try {
    natsServers(bus);
  } catch (e) {
    throw new ConfigError(`LIFELINE_BUS: ${(e as Error).message}`);
  }
}
