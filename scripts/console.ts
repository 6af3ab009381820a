/**
 * A minimal dispatch console for the walkthrough: subscribes, optionally sends one order, and prints
 * every frame as it arrives.
 *   npm run console -- [--url ws://127.0.0.1:3000/ws] [--token demo-console-token] [--since 0]
 *                      [--order '{"priority":"flash","to":{"areas":["330102001"]},"body":"..."}']
 */
import WebSocket from 'ws';
import { arg } from './lib/args';

const url = arg('url') ?? `ws://127.0.0.1:${process.env.PORT ?? 3000}/ws`;
const token = arg('token') ?? 'demo-console-token';
const since = arg('since');
const order = arg('order');

const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
ws.on('unexpected-response', (_req, res) => {
  process.stderr.write(`refused: HTTP ${res.statusCode}\n`);
  process.exit(1);
});
ws.on('error', (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
ws.on('open', () => {
  ws.send(JSON.stringify(since === undefined ? { type: 'subscribe' } : { type: 'subscribe', since: Number(since) }));
  if (order) ws.send(JSON.stringify({ type: 'order.send', clientRef: `cli-${Date.now()}`, order: JSON.parse(order) }));
});
ws.on('message', (d) => {
  const f = JSON.parse(String(d));
  if (f.type === 'receipt') process.stdout.write(`#${f.seq} ${f.at} ${f.personId} ${f.status.padEnd(12)} ${f.channel ?? '-'} #${f.attempt}${f.detail ? `  (${f.detail})` : ''}\n`);
  else process.stdout.write(`${JSON.stringify(f)}\n`);
});
