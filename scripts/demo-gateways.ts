/**
 * Every gateway as its own process, over real protocols:
 *   npm run demo:gateways [-- --keep]
 * starts the router with no simulated gateway, and for each channel a far-end peer and its adapter:
 * an SMS centre (SMPP), a drone ground station over Mosquitto (MQTT; one is started unless one runs
 * on 1883), a 370MHz radio gateway (UDP), a Tiantong phone and a Beidou terminal (each on a socat
 * pty pair standing in for the serial cable). Then one order per channel, each channel above it
 * taken down by a drill outage first, prints the receipts as they come back, and stops everything
 * when every delivery is final (`--keep` leaves it running).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ptyPair } from '../apps/far-end/src/pty-pair';
import { freePort } from './lib/free-port';

const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'lifeline-demo-'));
const children: { name: string; child: ChildProcess }[] = [];
const stops: (() => Promise<void>)[] = [];
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
    s.on('error', () => resolve(false));
  });

function start(name: string, cmd: string, args: string[], env: Record<string, string> = {}): void {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const print = (d: Buffer) => {
    for (const line of String(d).split('\n').filter(Boolean)) process.stdout.write(`  [${name}] ${line.replace(/^\S+Z /, '')}\n`);
  };
  child.stdout!.on('data', print);
  child.stderr!.on('data', print);
  children.push({ name, child });
}

async function until(what: string, test: () => Promise<boolean>, seconds = 30): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await test().catch(() => false)) return;
    await wait(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function main(): Promise<void> {
  const [port, smscPort] = [await freePort(), await freePort()];
  const http = `http://127.0.0.1:${port}`;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
  let mqttUrl = 'mqtt://127.0.0.1:1883';
  if (!(await listening(1883))) {
    const mqttPort = await freePort();
    mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    start('mosquitto', 'mosquitto', ['-p', String(mqttPort)]);
  }

  console.log(`Lifeline gateways demo (work files in ${dir})`);
  start('router', process.execPath, ['dist/apps/router/src/main.js'], { PORT: String(port), LIFELINE_DB: join(dir, 'lifeline.db'), LIFELINE_SIMULATORS: 'none' });
  await until('the router', async () => (await fetch(`${http}/health`)).ok);
  start('smsc', process.execPath, ['dist/apps/far-end/src/main.js', 'smsc', '--port', String(smscPort), '--reply-probability', '1']);
  await until('the SMS centre', () => listening(smscPort));
  writeFileSync(join(dir, 'smpp.yaml'), `router: { url: ${gatewayUrl}, token: demo-gateway-public }\ngatewayId: smsc-linhai-1\nareas: ["330100"]\nwindow: 200\nsmsc: { url: "smpp://127.0.0.1:${smscPort}", systemId: lifeline, password: secret, sourceAddr: "12379" }\n`);
  start('gateway-smpp', process.execPath, ['dist/apps/gateway-smpp/src/main.js', '--config', join(dir, 'smpp.yaml')]);
  const prefix = `lifeline-demo-${process.pid}/drone`;
  writeFileSync(join(dir, 'drone.yaml'), `router: { url: ${gatewayUrl}, token: demo-gateway-drone }\nwindow: 650\nmqtt: { url: "${mqttUrl}", topicPrefix: ${prefix} }\nstations: [wing-loong-1]\n`);
  await until('the MQTT broker', () => listening(Number(new URL(mqttUrl).port)));
  start('gateway-drone', process.execPath, ['dist/apps/gateway-drone/src/main.js', '--config', join(dir, 'drone.yaml')]);
  start('ground-station', process.execPath, ['dist/apps/far-end/src/main.js', 'ground-station', '--mqtt', mqttUrl, '--station', 'wing-loong-1', '--areas', '330104', '--reply-probability', '1', '--prefix', prefix]);

  const radioPort = await freePort();
  start('radio-gateway', process.execPath, ['dist/apps/far-end/src/main.js', 'radio-gateway', '--port', String(radioPort), '--radios', '3321751', '--reply-probability', '1']);
  writeFileSync(join(dir, 'pdt.yaml'), `router: { url: ${gatewayUrl}, token: demo-gateway-pdt }\ngatewayId: radio-gw-linhai\nareas: ["330100"]\nwindow: 16\nradioGateway: { host: 127.0.0.1, port: ${radioPort} }\nlisten: { host: 127.0.0.1, port: 0 }\ndispatcherId: 1\nprobeS: 2\n`);
  start('gateway-pdt', process.execPath, ['dist/apps/gateway-pdt/src/main.js', '--config', join(dir, 'pdt.yaml')]);
  const [phoneLine, beidouLine] = [await ptyPair(), await ptyPair()];
  stops.push(phoneLine.stop, beidouLine.stop);
  start('tiantong-phone', process.execPath, ['dist/apps/far-end/src/main.js', 'modem', '--path', phoneLine.b, '--reply-probability', '1']);
  writeFileSync(join(dir, 'tiantong.yaml'), `router: { url: ${gatewayUrl}, token: demo-gateway-tiantong }\ngatewayId: tiantong-linhai-1\nareas: ["330100"]\nwindow: 4\nserial: { path: ${phoneLine.a} }\npollS: 5\n`);
  start('beidou-terminal', process.execPath, ['dist/apps/far-end/src/main.js', 'beidou-terminal', '--path', beidouLine.b, '--reply-probability', '1']);
  writeFileSync(join(dir, 'beidou.yaml'), `router: { url: ${gatewayUrl}, token: demo-gateway-beidou }\ngatewayId: beidou-linhai-1\nareas: ["330100"]\nwindow: 4\nserial: { path: ${beidouLine.a} }\nprobeS: 5\n`);
  await wait(500); // the far ends open their side of the serial lines first
  start('gateway-tiantong', process.execPath, ['dist/apps/gateway-tiantong/src/main.js', '--config', join(dir, 'tiantong.yaml')]);
  start('gateway-beidou', process.execPath, ['dist/apps/gateway-beidou/src/main.js', '--config', join(dir, 'beidou.yaml')]);

  const channels = async () => (await (await fetch(`${http}/api/channels`, { headers: { authorization: 'Bearer demo-console-token' } })).json()) as { channel: string; area: string; state: string }[];
  await until('every channel up through its adapter', async () => {
    const c = await channels();
    const up = (channel: string, area = '330100') => c.some((x) => x.channel === channel && x.area === area && x.state === 'up');
    return up('public') && up('drone', '330104') && up('pdt') && up('tiantong') && up('beidou');
  });

  // Both orders ask for an answer, so `delivered` is not final here.
  const FINAL = new Set(['acknowledged', 'unanswered', 'expired', 'failed', 'cancelled']);
  const open = new Set<string>();
  const done = new Set<string>();
  const pending = () => [...open].filter((id) => !done.has(id)).length;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: 'Bearer demo-console-token' } });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'subscribe' }));
  ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    if (f.type === 'receipt') {
      console.log(`receipt  ${f.personId} ${f.status.padEnd(12)} ${f.channel ?? '-'} #${f.attempt ?? '-'}${f.detail ? `  (${f.detail})` : ''}`);
      if (FINAL.has(f.status)) done.add(f.deliveryId);
    } else if (f.type === 'order.accepted') console.log(`accepted order ${f.orderId} ref ${f.ref}: ${f.deliveries} deliveries`);
  });
  const send = async (clientRef: string, order: object) => {
    const r = await fetch(`${http}/api/orders`, { method: 'POST', headers: { authorization: 'Bearer demo-console-token', 'content-type': 'application/json' }, body: JSON.stringify({ clientRef, order }) });
    const body = (await r.json()) as { orderId: string; deliveries: number };
    const view = (await (await fetch(`${http}/api/orders/${body.orderId}?limit=1000`, { headers: { authorization: 'Bearer demo-console-token' } })).json()) as { deliveries: { deliveryId: string }[] };
    for (const d of view.deliveries) open.add(d.deliveryId);
  };

  console.log('\n1. 台风 order to 滨江县 village heads: SMS through the SMPP adapter');
  await send('demo-typhoon', { priority: 'flash', to: { areas: ['330102'], roles: ['village-head'] }, body: '台风“梅花”今晚登陆滨江县，请立即组织沿海低洼地带群众向避灾安置点转移。', summary: '台风今晚登陆，立即转移沿海群众', ackRequired: true, ackWithinS: 300, ttlS: 3600 });
  await until('every delivery of order 1 final', async () => pending() === 0, 90);

  console.log('\n2. The public network is cut in 山前县 (network outage); a flash order to a rescue team member there goes through the drone cell');
  await fetch(`${http}/api/drills/outages`, { method: 'POST', headers: { authorization: 'Bearer demo-drill-token', 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'network', area: '330104' }) });
  await send('demo-flood', { priority: 'flash', to: { people: ['p-000031'] }, body: '山洪预警：请救援队立即前往山前县低洼村庄组织转移。', ackRequired: true, ackWithinS: 300, ttlS: 3600 });
  await until('the drone delivery final', async () => pending() === 0, 90);

  const drill = (outage: object) => fetch(`${http}/api/drills/outages`, { method: 'POST', headers: { authorization: 'Bearer demo-drill-token', 'content-type': 'application/json' }, body: JSON.stringify(outage) });
  const flash = (clientRef: string, person: string, body: string) => send(clientRef, { priority: 'flash', to: { people: [person] }, body, ackRequired: true, ackWithinS: 300, ttlS: 3600 });
  console.log('\n3. 三断 city-wide: the public network is cut everywhere; a flash order to a city official goes over the 370MHz radio');
  await drill({ kind: 'network', area: '330100' });
  await flash('demo-pdt', 'p-000001', '全市公网中断，请市防指成员立即到指挥部集中。');
  await until('the radio delivery final', async () => pending() === 0, 90);
  console.log('\n4. The radio gateway fails too: the next order to the same official goes by Tiantong satellite SMS');
  await drill({ kind: 'gateway', channel: 'pdt', mode: 'down' });
  await flash('demo-tiantong', 'p-000001', '集群通信中断，请通过天通卫星电话保持联络，每小时报告一次。');
  await until('the satellite delivery final', async () => pending() === 0, 120);
  console.log('\n5. Tiantong down as well: a rescue team leader is reached by Beidou short message');
  await drill({ kind: 'gateway', channel: 'tiantong', mode: 'down' });
  await flash('demo-beidou', 'p-000011', '滨江县沿海群众转移情况请用北斗短报文回报。');
  await until('the Beidou delivery final', async () => pending() === 0, 120);
  console.log('\nEvery delivery is final: one order on each channel, each answered.');
  ws.close();
}

async function shutdown(code: number): Promise<never> {
  for (const { child } of children.reverse()) child.kill('SIGTERM');
  await wait(500);
  await Promise.all(stops.map((s) => s().catch(() => {})));
  process.exit(code);
}

main().then(
  () => (keep ? console.log('Running; Ctrl-C stops everything.') : shutdown(0)),
  (e) => (console.error(`demo failed: ${(e as Error).message}`), shutdown(1)),
);
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
