/**
 * The 370MHz radio gateway adapter as its own process:
 *   node dist/apps/gateway-pdt/src/main.js [--config config/gateways/pdt.yaml]
 */
import { hideCredentials, loadAdapterConfig, runAdapter } from '@lifeline/gateway-sdk';
import { PdtAdapter, pdtConfig } from './pdt-adapter';

runAdapter('gateway-pdt', 'config/gateways/pdt.yaml', (file) => loadAdapterConfig(file, pdtConfig), async (config, log) => {
  const adapter = new PdtAdapter(config, log);
  await adapter.start();
  log(`gateway ${config.gatewayId} for channel ${config.channel}: radio gateway udp://${config.radioGateway.host}:${config.radioGateway.port}, listening on ${adapter.port}, router ${hideCredentials(config.router.url)}`);
  return () => adapter.stop();
});
