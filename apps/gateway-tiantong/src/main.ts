/**
 * The Tiantong satellite phone adapter as its own process:
 *   node dist/apps/gateway-tiantong/src/main.js [--config config/gateways/tiantong.yaml]
 */
import { hideCredentials, loadAdapterConfig, runAdapter } from '@lifeline/gateway-sdk';
import { TiantongAdapter, tiantongConfig } from './tiantong-adapter';

runAdapter('gateway-tiantong', 'config/gateways/tiantong.yaml', (file) => loadAdapterConfig(file, tiantongConfig), async (config, log) => {
  const adapter = new TiantongAdapter(config, log);
  await adapter.start();
  log(`gateway ${config.gatewayId} for channel ${config.channel}: phone on ${config.serial.path}, router ${hideCredentials(config.router.url)}`);
  return () => adapter.stop();
});
