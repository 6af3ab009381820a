/**
 * The SMS centre adapter as its own process:
 *   node dist/apps/gateway-smpp/src/main.js [--config config/gateways/smpp.yaml]
 */
import { hideCredentials, loadAdapterConfig, runAdapter } from '@lifeline/gateway-sdk';
import { SmppAdapter, smppConfig } from './smpp-adapter';

runAdapter('gateway-smpp', 'config/gateways/smpp.yaml', (file) => loadAdapterConfig(file, smppConfig), async (config, log) => {
  const adapter = new SmppAdapter(config, log);
  adapter.start();
  log(`gateway ${config.gatewayId} for channel ${config.channel}: SMS centre ${hideCredentials(config.smsc.url)}, router ${hideCredentials(config.router.url)}`);
  return () => adapter.stop();
});
