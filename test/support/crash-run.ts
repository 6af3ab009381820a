import { seededRandom } from '@lifeline/domain';
import { PRIORITIES } from '@lifeline/domain';
import { checkReceipts, checkStream, countMismatches } from '../../scripts/lib/chaos/invariants';
import type { Child } from './child';
import { fastConfig, waitFor } from './child';
import { Client } from './server';

/**
 * The crash run: a console sends paced bursts of orders (and drills outages) while the router is
 * killed at random moments, resends what was not answered, and checks at the end that nothing
 * was lost. What "the router" is comes from a Deployment: one process on a SQLite file, restarted
 * after each kill, or a cluster of nodes on PostgreSQL, where a standby takes over.
 */

export const ADMIN = 'crash-admin';
const VILLAGES = ['330102001001', '330102001002', '330103002003', '330104003004', '330102004006'];
const OUTAGE_AREAS = [...VILLAGES, '330102001', '330103', '330104003'];
export const GRACE_S = 60;

/** The rows the checks read, once every router stopped. */
export interface CrashRows {
  orders: { id: string; client_ref: string; ack_required: number; ttl_s: number; created_at: number; deliveries: number }[];
  events: { seq: number; type: string; payload: string }[];
  deliveryIds: string[];
}

export interface Deployment {
  /** The router to kill next (and to talk to, unless `talkTo` says otherwise): started after a kill, or the node that took over. */
  next(): Promise<Child>;
  /** The node the console talks to while `victim` is the one to kill (a cluster: any node). */
  talkTo?(victim: Child): Child;
  /** Whether a router ended as the run meant it to (SIGKILLed; a cluster node may also step down). */
  diedAsExpected(e: { code: number | null; signal: NodeJS.Signals | null }): boolean;
  /** What the database holds, after every router stopped. */
  rows(): Promise<CrashRows>;
}

async function api(url: string, path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(url + path, { ...init, headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return r.json();
}

/**
 * Drives one router life: replays clientRefs, maybe injects an outage, sends a paced burst, and
 * stops the router with `signal` once `killAfter` more orders were accepted. Records what the
 * console was told.
 */
class Console {
  /** clientRef -> orderId and deliveries, as order.accepted said. */
  readonly accepted = new Map<string, { orderId: string; deliveries: number }>();
  /** Sent, not yet answered when the router died: retried after the restart. */
  readonly pending = new Set<string>();
  /** A clientRef answered with a second order id: must stay empty. */
  readonly mismatches: string[] = [];
  /** Orders a node answered not_active (and the console sent again): what a takeover cost consoles. */
  notActive = 0;
  /** When the router was last killed (wall clock), until a restarted one listens. */
  killedAt: number | null = null;
  private next = 0;

  constructor(private readonly random: () => number) {}

  order(i: number) {
    const r = this.random;
    const ackRequired = r() < 0.3;
    return {
      priority: PRIORITIES[Math.floor(r() * PRIORITIES.length)],
      to: { areas: [VILLAGES[Math.floor(r() * VILLAGES.length)]] },
      body: `第${i}号通知：请做好防汛准备。`,
      ackRequired,
      ackWithinS: 10,
      ttlS: 20 + Math.floor(r() * 20),
    };
  }

  async life(child: Child, o: { killAfter: number; signal: NodeJS.Signals; outage: boolean; burst?: number; victim?: Child }): Promise<Client> {
    // A follower chosen to talk to may be taking over this moment (its active node stepped down):
    // then the console talks to the node it was to kill.
    const c = await Client.open(child.url, ADMIN).catch((e) => (o.victim && o.victim !== child ? Client.open(o.victim.url, ADMIN) : Promise.reject(e)));
    c.ws.on('error', () => {}); // the router dies under it
    const known = new Map<string, Record<string, unknown>>();
    let acceptedNow = 0;
    let killed = false;
    let sentNow = 0;
    const kill = () => {
      if (!killed) {
        this.killedAt = Date.now();
        (o.victim ?? child).proc.kill(o.signal);
      }
      killed = true;
    };
    const sendNew = () => {
      if (killed || sentNow++ >= (o.burst ?? Infinity)) return;
      const i = this.next++;
      const clientRef = `crash-${i}`;
      this.pending.add(clientRef);
      known.set(clientRef, this.order(i));
      c.send({ type: 'order.send', clientRef, order: known.get(clientRef) });
    };
    c.ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      // A follower that cannot pass an order on now (no active node listening yet, the bus
      // restarting) says not_active: the console sends it again, as the contract asks.
      if (f.type === 'order.rejected' && f.error?.code === 'not_active' && this.pending.has(f.clientRef)) {
        this.notActive++;
        setTimeout(() => !killed && c.ws.readyState === c.ws.OPEN && c.send({ type: 'order.send', clientRef: f.clientRef, order: known.get(f.clientRef) ?? this.order(0) }), 200);
        return;
      }
      if (f.type !== 'order.accepted' || (!this.pending.has(f.clientRef) && !this.accepted.has(f.clientRef))) return;
      const before = this.accepted.get(f.clientRef);
      if (before && before.orderId !== f.orderId) this.mismatches.push(`${f.clientRef}: ${f.orderId}, before ${before.orderId}`);
      this.accepted.set(f.clientRef, { orderId: f.orderId, deliveries: f.deliveries });
      this.pending.delete(f.clientRef);
      if (++acceptedNow >= o.killAfter) kill();
      else sendNew();
    });
    // Retries first: what was pending, and a few accepted ones, must come back as the same order.
    const retries = [...this.pending, ...[...this.accepted.keys()].filter(() => this.random() < 0.05)];
    for (const clientRef of retries) c.send({ type: 'order.send', clientRef, order: this.order(0) });
    if (o.outage) {
      const r = this.random;
      const kind = (['network', 'power', 'gateway', 'gateway', 'road'] as const)[Math.floor(r() * 5)];
      const body = {
        kind,
        area: OUTAGE_AREAS[Math.floor(r() * OUTAGE_AREAS.length)],
        durationS: 3 + Math.floor(r() * 15),
        ...(kind === 'gateway' ? { channel: ['public', 'pdt', 'tiantong'][Math.floor(r() * 3)], mode: ['down', 'silent', 'lossy'][Math.floor(r() * 3)] } : {}),
      };
      // Not awaited: the kill may land while the outage is being written.
      void api(child.url, '/api/drills/outages', { method: 'POST', body: JSON.stringify(body) }).catch(() => {});
    }
    for (let k = 0; k < 8; k++) sendNew();
    if (o.killAfter === 0) kill();
    return c;
  }
}

/** The config of a crash run: fast simulators whose people answer half the time. */
export function crashConfig(dir: string, tweak: (c: Record<string, any>) => void = () => {}): string {
  return fastConfig(dir, (c) => {
    c.graceS = GRACE_S;
    for (const ch of c.channels) Object.assign(ch.simulator, { replyProbability: 0.5, replyDelayMs: [50, 3000] });
    tweak(c);
  });
}

export async function crashRun(deploy: Deployment, seed: number, kills: number): Promise<void> {
  const random = seededRandom(seed);
  const con = new Console(random);
  /** Times the router was down: from a kill until the next one listens. Deadlines may slip by these. */
  const downs: { from: number; to: number }[] = [];
  const next = async () => {
    const child = await deploy.next();
    if (con.killedAt !== null) downs.push({ from: con.killedAt, to: Date.now() });
    con.killedAt = null;
    return child;
  };

  for (let k = 0; k < kills; k++) {
    const child = await next();
    const talk = deploy.talkTo?.(child) ?? child;
    await con.life(talk, { killAfter: Math.floor(random() * 12), signal: 'SIGKILL', outage: random() < 0.5, victim: child });
    const died = await child.exited;
    expect({ died, expected: deploy.diedAsExpected(died) }).toEqual({ died, expected: true });
    con.killedAt ??= Date.now(); // it stepped down by itself
  }
  // SIGTERM mid-burst: the router finishes the writes in flight and exits 0.
  const termed = await next();
  await con.life(termed, { killAfter: 5, signal: 'SIGTERM', outage: true });
  expect((await termed.exited).code).toBe(0);

  const last = await next();
  const c = await con.life(last, { killAfter: Infinity, signal: 'SIGKILL', outage: false, burst: 20 });
  await waitFor(async () => con.pending.size === 0, 'every pending clientRef answered');
  process.stdout.write(`console: ${con.accepted.size} orders accepted, ${con.notActive} answers not_active (sent again)\n`);
  for (const [, a] of con.accepted) expect((await api(last.url, `/api/orders/${a.orderId}?limit=1`)).orderId).toBe(a.orderId);
  await waitFor(async () => (await api(last.url, '/api/orders?status=open')).length === 0, 'every delivery final', 120_000);
  const apiCounts = new Map<string, Record<string, number>>();
  for (const a of con.accepted.values()) apiCounts.set(a.orderId, (await api(last.url, `/api/orders/${a.orderId}?limit=1`)).counts);
  expect(con.mismatches).toEqual([]);
  await c.close();
  last.proc.kill('SIGTERM');
  expect((await last.exited).code).toBe(0);

  const rows = await deploy.rows();
  const orders = rows.orders;
  // One order per clientRef, and every order the console was told of, as it was told.
  expect(new Set(orders.map((o) => o.client_ref)).size).toBe(orders.length);
  const byId = new Map(orders.map((o) => [o.id, o]));
  for (const [clientRef, a] of con.accepted) {
    expect(byId.get(a.orderId)?.client_ref).toBe(clientRef);
    expect(byId.get(a.orderId)?.deliveries).toBe(a.deliveries);
  }
  const events = rows.events.map((e) => ({ ...e, payload: JSON.parse(e.payload) as Record<string, unknown> }));
  const facts = orders.map((o) => ({
    orderId: o.id,
    ackRequired: o.ack_required === 1,
    deadline: afterDowntime(o.created_at, o.created_at + (o.ttl_s + GRACE_S) * 1000, downs),
    deliveryIds: rows.deliveryIds.filter((id) => id.startsWith(`${o.id}:`)),
  }));
  const receipts = checkReceipts(events, facts);
  const told = new Map([...receipts.counts].filter(([orderId]) => apiCounts.has(orderId)));
  const bad = [...checkStream(events), ...receipts.bad, ...countMismatches(apiCounts, told)];
  expect(bad.slice(0, 10)).toEqual([]);
  expect(con.accepted.size).toBeGreaterThan(kills); // the kills really landed among accepted orders
}

/**
 * A deadline moved on by the time the router was down during the delivery's life: a restarted
 * router does its overdue work first, so a deadline slips by that much and no more.
 */
function afterDowntime(createdAt: number, deadline: number, downs: readonly { from: number; to: number }[]): number {
  let d = deadline;
  for (const down of [...downs].sort((a, b) => a.from - b.from))
    if (down.from < d && down.to > createdAt) d += down.to - Math.max(down.from, createdAt);
  return d;
}
