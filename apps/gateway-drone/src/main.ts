/**
 * The drone ground-station adapter as its own process:
 *   node dist/apps/gateway-drone/src/main.js [--config config/gateways/drone.yaml]
 */
import { hideCredentials, loadAdapterConfig, runAdapter } from '@lifeline/gateway-sdk';
import { DroneAdapter, droneConfig } from './drone-adapter';

runAdapter('gateway-drone', 'config/gateways/drone.yaml', (file) => loadAdapterConfig(file, droneConfig), async (config, log) => {
  const adapter = new DroneAdapter(config, log);
  adapter.start();
  log(`stations ${config.stations.join(', ')} for channel ${config.channel}: MQTT ${hideCredentials(config.mqtt.url)}, router ${hideCredentials(config.router.url)}`);
  return () => adapter.stop();
});
