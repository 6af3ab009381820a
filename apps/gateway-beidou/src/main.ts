/**
 * The Beidou terminal adapter as its own process:
 *   node dist/apps/gateway-beidou/src/main.js [--config config/gateways/beidou.yaml]
 */
import { hideCredentials, loadAdapterConfig, runAdapter } from '@lifeline/gateway-sdk';
import { BeidouAdapter, beidouConfig } from './beidou-adapter';

runAdapter('gateway-beidou', 'config/gateways/beidou.yaml', (file) => loadAdapterConfig(file, beidouConfig), async (config, log) => {
  const adapter = new BeidouAdapter(config, log);
  await adapter.start();
  log(`gateway ${config.gatewayId} for channel ${config.channel}: ${config.protocol} terminal on ${config.serial.path}, router ${hideCredentials(config.router.url)}`);
  return () => adapter.stop();
});
