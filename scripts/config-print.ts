/**
 * `npm run config:print`: the effective config, as the router would run with it: the defaults
 * with every `LIFELINE_CONFIG` file merged on, validated, defaults filled in. Exit 2 on a bad one.
 */
import { stringify } from 'yaml';
import { ConfigError, configFiles, loadConfig } from '../apps/router/src/config/load-config';

try {
  const files = configFiles();
  const config = loadConfig(files);
  process.stdout.write(`# effective config: ${files.join(' + ')}\n${stringify(config)}`);
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`lifeline: ${e.message}\n`);
  process.exit(2);
}
