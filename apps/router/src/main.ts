import { ConfigError, configFiles, loadConfig } from './config/load-config';
import { DatabaseInUseError, DatabaseOpenError, withoutPassword } from '@lifeline/store';
import { clusterNode } from './cluster/cluster-node';
import { asLog, jsonLogger } from './log/json-log';
import { startServer } from './server';

/**
 * `npm start`: the router on its embedded defaults. A bad config exits 2 naming the file and key;
 * SIGTERM finishes writes in flight and exits 0.
 */
async function main(): Promise<void> {
  const files = configFiles();
  let config;
  try {
    config = loadConfig(files);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lifeline: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = jsonLogger(config.log.level);
  const log = asLog(logger);
  const port = process.env.PORT !== undefined ? Number(process.env.PORT) : config.server.port;
  const host = process.env.HOST ?? config.server.host;
  let running;
  let lease: Awaited<ReturnType<typeof clusterNode>>['lease'];
  let standby: Awaited<ReturnType<typeof clusterNode>>['standby'];
  try {
    const env = { database: process.env.LIFELINE_DB, adminToken: process.env.LIFELINE_ADMIN_TOKEN, bus: process.env.LIFELINE_BUS, logger };
    ({ lease, standby } = await clusterNode(config, host, port, log, env));
    running = await startServer({ config, configFiles: files, ...env, simulators: process.env.LIFELINE_SIMULATORS, host, port, lease, standby });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lifeline: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof DatabaseInUseError) {
      process.stderr.write(`lifeline: ${e.message}\n`);
      process.exit(3);
    }
    if (e instanceof DatabaseOpenError) {
      process.stderr.write(`lifeline: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // A node of a cluster gets here once it holds the writer lease: it says so, for whoever watches.
  const role = lease.standby ? `, active: node ${lease.node} holds the writer lease` : '';
  log.info(`listening on ${running.url}${role}`, { database: withoutPassword(process.env.LIFELINE_DB ?? config.database), simulators: [...running.lifeline.sims.keys()], metrics: running.metricsUrl });
  // Another node took over while this one was cut off: what it remembers is stale; stop at once
  // (a supervisor restarts it, as a standby).
  void running.lifeline.store.lost.then((why) => {
    process.stderr.write(`lifeline: lost the writer lease: ${why}\n`);
    process.exit(3);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: finishing writes in flight`);
    await running.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  process.stderr.write(`lifeline: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
