import { spawn, type ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';
import { freePort } from '../../scripts/lib/free-port';

async function reachable(url: string): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2_000 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}

/**
 * A real MQTT broker on loopback: the machine's Mosquitto (LIFELINE_TEST_MQTT, default
 * mqtt://127.0.0.1:1883; `.ci/run` starts it), or else a private `mosquitto` on a free port, ready
 * when it says it listens. Tests use their own topic prefix, so runs never see each other's retained
 * messages.
 */
export async function mqttBroker(): Promise<{ url: string; stop: () => Promise<void> }> {
  const shared = process.env.LIFELINE_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';
  if (await reachable(shared)) return { url: shared, stop: async () => {} };
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn('mosquitto', ['-p', String(port), '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`no MQTT broker at ${shared} and mosquitto could not start (apt-get install mosquitto): ${(e as Error).message}`);
  }
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => String(d).includes('running') && resolve();
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e) => reject(new Error(`mosquitto: ${e.message} (apt-get install mosquitto)`)));
    child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}`)));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))),
  };
}
