/**
 * A small dispatch console for the walkthrough: subscribes, optionally sends one order, and prints
 * every frame as it arrives, with people's names and places. When the router goes away it says so,
 * reconnects with back-off and resumes with `subscribe since` the last event it printed, so it
 * misses nothing and prints nothing twice; an order not yet accepted is sent again with the same
 * clientRef (the router answers the first order, never a second one).
 *   npm run console -- [--url ws://127.0.0.1:3000/ws[,ws://127.0.0.1:3001/ws ...]] [--token demo-console-token]
 *                      [--since 0] [--order '{"priority":"flash","to":{"areas":["330102001"]},"body":"..."}'] [--json]
 * Several URLs (the nodes of a cluster): when one goes or refuses, the next is tried.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { arg } from './lib/args';

const urls = (arg('url') ?? `ws://127.0.0.1:${process.env.PORT ?? 3000}/ws`).split(',').map((u) => u.trim()).filter(Boolean);
let current = 0;
const url = () => urls[current % urls.length];
const token = arg('token') ?? 'demo-console-token';
const order = arg('order');
const json = process.argv.includes('--json');
const clientRef = `cli-${randomUUID().slice(0, 8)}`;
let since: number | undefined = arg('since') === undefined ? undefined : Number(arg('since'));
let accepted = order === undefined;
let backoffMs = 500;

const people = new Map<string, { name: string; area: string }>();
const areas = new Map<string, string>();
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const time = (iso: unknown) => (typeof iso === 'string' ? iso.slice(11, 19) : '--:--:--');
const place = (code: unknown) => (typeof code === 'string' ? (areas.get(code) ?? code) : '');
const who = (id: unknown) => {
  const p = people.get(String(id));
  return p ? `${p.name} (${place(p.area)})` : String(id);
};

/** Names and places for the printout: the directory as this token may see it (best effort). */
async function loadDirectory(): Promise<void> {
  const http = url().replace(/^ws/, 'http').replace(/\/ws(\?.*)?$/, '');
  try {
    for (let after = ''; ; ) {
      const r = await fetch(`${http}/api/directory?limit=10000&after=${encodeURIComponent(after)}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!r.ok) return;
      const page = (await r.json()) as { areas: { code: string; name: string }[]; people: { id: string; name: string; area: string }[]; next: string | null };
      for (const a of page.areas) areas.set(a.code, a.name);
      for (const p of page.people) people.set(p.id, { name: p.name, area: p.area });
      if (!page.next) return;
      after = page.next;
    }
  } catch {
    // The router is not up yet: ids are printed until it is.
  }
}

function print(f: Record<string, unknown>): void {
  if (json) return say(JSON.stringify(f));
  switch (f.type) {
    case 'receipt':
      return say(`#${f.seq} ${time(f.at)} ${who(f.personId)} ${String(f.status).padEnd(12)} ${f.channel ?? '-'} #${f.attempt}${f.detail ? `  (${f.detail})` : ''}`);
    case 'channel':
      return say(`#${f.seq} ${time(f.at)} channel ${f.channel} in ${place(f.area)}: ${f.state}`);
    case 'order.accepted':
      return say(`#${f.seq} order ${f.ref} accepted: ${f.deliveries} deliveries (${f.orderId}, ${f.clientRef})`);
    case 'order.rejected':
      return say(`order refused: ${(f.error as { code: string; message: string }).code}: ${(f.error as { message: string }).message}`);
    case 'error':
      return say(`error: ${(f.error as { code: string; message: string }).code}: ${(f.error as { message: string }).message}`);
    default:
      if (String(f.type).startsWith('relay.')) return say(`#${f.seq} ${time(f.at)} ${f.type} ${f.resource ?? ''} ${place(f.area)}`);
      return say(JSON.stringify(f));
  }
}

function connect(): void {
  const at = url();
  const ws = new WebSocket(at, { headers: { Authorization: `Bearer ${token}` } });
  let opened = false;
  let refused: string | null = null;
  ws.on('unexpected-response', (_req, res) => {
    if (res.statusCode === 401 || res.statusCode === 403) {
      say(`refused: HTTP ${res.statusCode}: check the token`);
      process.exit(1);
    }
    // A standby (503 standby) or a node still starting: said as it is, not as "not reachable".
    refused = `HTTP ${res.statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
    ws.terminate();
  });
  ws.on('error', () => {}); // reported by 'close' below
  ws.on('open', async () => {
    opened = true;
    backoffMs = 500;
    if (urls.length > 1) say(`connected to ${at}`);
    // Names before the first frame (the first URL tried at start may have been a node that is gone).
    if (people.size === 0) await loadDirectory();
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(since === undefined ? { type: 'subscribe' } : { type: 'subscribe', since }));
    if (!accepted) ws.send(JSON.stringify({ type: 'order.send', clientRef, order: JSON.parse(order!) }));
  });
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as Record<string, unknown>;
    if (f.type === 'order.accepted' && f.clientRef === clientRef) accepted = true;
    if (typeof f.seq === 'number') {
      if (since !== undefined && f.seq <= since) return; // the answer and the stream share a seq
      since = f.seq;
    }
    print(f);
  });
  ws.on('close', (code) => {
    const where = since === undefined ? 'live' : `since #${since}`;
    if (!opened || urls.length > 1) current++; // the next node, if there are several
    const next = urls.length > 1 ? ` at ${url()}` : '';
    say(opened ? `router went away (${code}); reconnecting${next} in ${backoffMs / 1000} s, then resuming ${where}` : `${at}: ${refused ?? 'not reachable'}; trying${next || ' again'} in ${backoffMs / 1000} s`);
    setTimeout(connect, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 10_000);
  });
}

void loadDirectory().then(connect);
