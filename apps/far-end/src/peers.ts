import { BeidouTerminalSimulator } from './beidou-terminal';
import { GroundStation } from './ground-station';
import { ModemSimulator } from './modem';
import { RadioGatewaySimulator } from './radio-gateway';
import { SmscSimulator } from './smsc';

type Values = Record<string, string | undefined>;
type Stop = () => Promise<void>;

function num(values: Values, key: string, fallback: number): number {
  const v = values[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key}: expected a number, got ${v}`);
  return n;
}

const PEERS: Record<string, (values: Values, log: (m: string) => void) => Promise<Stop>> = {
  async smsc(values, log) {
    const smsc = new SmscSimulator({
      systemId: values['system-id'] ?? 'lifeline',
      password: values.password ?? 'secret',
      deliverMs: [1_000, 5_000],
      invalidPrefix: values['invalid-prefix'] ?? '1990',
      replyProbability: num(values, 'reply-probability', 0.8),
      replyDelayMs: [2_000, 10_000],
      log,
    });
    const port = await smsc.listen(num(values, 'port', 2775));
    log(`SMS centre listening on smpp://127.0.0.1:${port}`);
    return () => smsc.close();
  },
  async 'ground-station'(values, log) {
    if (!values.station || !values.areas) throw new Error('ground-station: expected --station ID and --areas CODE[,CODE]');
    const station = new GroundStation({
      mqttUrl: values.mqtt ?? 'mqtt://127.0.0.1:1883',
      station: values.station,
      topicPrefix: values.prefix,
      areas: values.areas.split(','),
      forS: num(values, 'for-s', 18_000),
      deliverMs: [1_000, 5_000],
      invalidPrefix: values['invalid-prefix'] ?? '1990',
      replyProbability: num(values, 'reply-probability', 0.8),
      log,
    });
    await station.start();
    log(`drone ${values.station} on station over ${values.areas} for ${num(values, 'for-s', 18_000)} s`);
    return () => station.stop();
  },
  async 'beidou-terminal'(values, log) {
    if (!values.path) throw new Error('beidou-terminal: expected --path (its end of the serial line, e.g. a pty)');
    const terminal = new BeidouTerminalSimulator({ path: values.path, address: values.address ?? '0242286', intervalS: num(values, 'interval-s', 60), level: num(values, 'level', 3), replyProbability: num(values, 'reply-probability', 0.8), log });
    await terminal.start();
    log(`Beidou terminal on ${values.path}`);
    return () => terminal.stop();
  },
  async modem(values, log) {
    if (!values.path) throw new Error('modem: expected --path (its end of the serial line, e.g. a pty)');
    const modem = new ModemSimulator({ path: values.path, reportMs: [2_000, 8_000], invalidPrefix: values['invalid-prefix'] ?? '1749', replyProbability: num(values, 'reply-probability', 0.8), log });
    await modem.start();
    log(`Tiantong phone on ${values.path}`);
    return () => modem.stop();
  },
  async 'radio-gateway'(values, log) {
    const radios = (values.radios ?? '').split(',').filter(Boolean).map(Number);
    if (radios.some((r) => !Number.isInteger(r))) throw new Error(`--radios: expected radio ids, comma separated, got ${values.radios}`);
    const radio = new RadioGatewaySimulator({ dispatcher: { radioId: 1 }, radios, invalidPrefix: values['invalid-prefix'] ?? '999', ackMs: [1_000, 3_000], replyProbability: num(values, 'reply-probability', 0.8), log });
    const port = await radio.listen(num(values, 'port', 3004));
    log(`radio gateway on udp://127.0.0.1:${port}; ${radios.length} radios register once the dispatcher is heard`);
    const registered = setInterval(() => radio.knowsDispatcher && (radio.registerAll(), clearInterval(registered)), 200);
    return async () => (clearInterval(registered), radio.close());
  },
};

/** Starts the far-end peer named `kind`; rejects with a usage message for an unknown one. */
export function startPeer(kind: string | undefined, values: Values, log: (m: string) => void): Promise<Stop> {
  const start = kind ? PEERS[kind] : undefined;
  if (!start) return Promise.reject(new Error(`expected a peer: ${Object.keys(PEERS).join(', ')}; got ${kind ?? 'nothing'}`));
  return start(values, log);
}
