import { ConfigError, loadConfig } from './config/load-config';
import { startServer } from './server';

/**
 * `npm start`: the router on its embedded defaults. A bad config exits 2 naming the file and key;
 * SIGTERM finishes writes in flight and exits 0.
 */
async function main(): Promise<void> {
  const configFile = process.env.LIFELINE_CONFIG ?? 'config/default.yaml';
  let config;
  try {
    config = loadConfig(configFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lifeline: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const port = process.env.PORT !== undefined ? Number(process.env.PORT) : config.server.port;
  const host = process.env.HOST ?? config.server.host;
  let running;
  try {
    running = await startServer({ config, configFiles: [configFile], database: process.env.LIFELINE_DB, simulators: process.env.LIFELINE_SIMULATORS, adminToken: process.env.LIFELINE_ADMIN_TOKEN, host, port });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lifeline: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  process.stderr.write(`lifeline: listening on ${running.url} (database ${process.env.LIFELINE_DB ?? config.database}, simulators ${[...running.lifeline.sims.keys()].join(', ') || 'none'})\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`lifeline: ${signal}: finishing writes in flight\n`);
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
