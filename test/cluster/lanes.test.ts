import { connect, type NatsConnection } from 'nats';
import { laneJobSubject } from '../../apps/router/src/cluster/bus-messages';
import { fastConfig, killChildren, startNode, tempDir, waitFor, type Child } from '../support/child';
import { TestNats } from '../support/nats';
import { TOKENS } from '../support/server';
import { freshTestDatabase, onTestServer } from '../support/test-store';

/** The whole city, every role: some five hundred people, in both lanes' partitions. */
const ORDER = { priority: 'immediate', to: { areas: ['330100'] }, body: '台风“梅花”今晚登陆，请立即组织群众转移。', ackRequired: false, ttlS: 600 };

async function call(url: string, path: string, token: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(url + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  const text = await r.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* /metrics is text */
  }
  return { status: r.status, body, text };
}

/** A gauge's value on a node's /metrics (NaN when it shows none). */
async function gauge(url: string, name: string): Promise<number> {
  const { text } = await call(url, '/metrics', TOKENS.metrics);
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

/** Every delivery of the database: final, with exactly one final receipt each, and the seqs gapless. */
async function checkRows(db: string): Promise<{ deliveries: number }> {
  return onTestServer(async (c) => {
    const open = (await c.query("SELECT count(*)::int AS n FROM deliveries WHERE final_at IS NULL")).rows[0].n;
    expect(open).toBe(0);
    const seqs = (await c.query('SELECT seq FROM events ORDER BY seq')).rows.map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const finals = (
      await c.query(
        // The orders ask no answer: `delivered` is final too.
        `SELECT d.id, count(e.seq)::int AS n FROM deliveries d LEFT JOIN events e ON e.type = 'receipt' AND e.payload::jsonb->>'deliveryId' = d.id
           AND e.payload::jsonb->>'status' IN ('delivered', 'acknowledged', 'unanswered', 'expired', 'cancelled', 'failed')
         GROUP BY d.id HAVING count(e.seq) <> 1`,
      )
    ).rows;
    expect(finals).toEqual([]);
    return { deliveries: (await c.query('SELECT count(*)::int AS n FROM deliveries')).rows[0].n };
  }, db);
}

/**
 * Two router processes on one PostgreSQL database and NATS, with two lanes of delivery work: the
 * active node hands lane 1 to the follower, which steps and commits its deliveries; a follower
 * SIGKILLed in the middle of an order has its lane taken back within the lease, and nothing is lost.
 */
describe('lanes carried out by another node', () => {
  let db: Awaited<ReturnType<typeof freshTestDatabase>>;
  let nats: TestNats;
  let active: Child;
  let follower: Child;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await freshTestDatabase('lt_lanes');
    nats = await TestNats.start();
    const config = fastConfig(tempDir(), (c) => {
      c.engine.lanes = 2;
      c.cluster = { ...c.cluster, leaseS: 4 };
    });
    env = { LIFELINE_DB: db.url, LIFELINE_BUS: nats.url, LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: 'lanes-admin' };
    active = await startNode({ ...env, LIFELINE_NODE: 'site-a' });
    await active.listening;
    follower = await startNode({ ...env, LIFELINE_NODE: 'site-b' });
  });
  afterAll(async () => {
    killChildren();
    await nats.stop();
    await db.drop();
  });

  it('hands a lane to the follower, which steps its deliveries to their final status; killed, its lane comes back and nothing is lost', async () => {
    await waitFor(async () => (await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')) === 1, 'lane 1 handed to the follower');
    expect(await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="0"}')).toBe(0);
    const first = await call(active.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'l-1', order: ORDER }) });
    expect(first.status).toBe(202);
    await waitFor(async () => (await call(active.url, '/api/orders?status=open', TOKENS.console)).body.length === 0, 'the first order final');
    // The follower committed lane jobs: about half the deliveries were stepped there.
    expect(await gauge(follower.url, 'lifeline_lane_jobs_total')).toBeGreaterThan(0);
    await checkRows(db.name);

    // The follower dies in the middle of the next order: its lane comes back to the active node.
    const second = await call(follower.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'l-2', order: ORDER }) });
    expect(second.status).toBe(202);
    follower.proc.kill('SIGKILL');
    await follower.exited;
    await waitFor(async () => (await call(active.url, '/api/orders?status=open', TOKENS.console)).body.length === 0, 'the second order final', 30_000);
    expect(await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')).toBe(0);
    const { deliveries } = await checkRows(db.name);
    expect(deliveries).toBe(first.body.deliveries + second.body.deliveries);

    // Back, it is given the lane again.
    follower = await startNode({ ...env, LIFELINE_NODE: 'site-b' });
    await waitFor(async () => (await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')) === 1, 'lane 1 handed to the follower again', 60_000);
  }, 180_000);

  it('answers lane jobs that are not the active node\'s with a refusal, ignores made-up offers, and stays up', async () => {
    await waitFor(async () => (await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')) === 1, 'lane 1 with the follower');
    const nc: NatsConnection = await connect({ servers: nats.url });
    const encode = (x: string) => new TextEncoder().encode(x);
    const packet = (data: unknown) => JSON.stringify({ pattern: laneJobSubject('site-b'), id: 'x', data });
    const grant = { lane: 1, lanes: 2, node: 'site-b', epoch: 1, key: 'f'.repeat(32), writerEpoch: 1 };
    const forged = { grant, now: Date.now(), job: { kind: 'start', limit: 10 }, version: { incarnation: 'i', reach: 0, cancels: 0 }, context: { reach: { coverage: [], states: [], fixedOnly: [] }, from: 0, cancelled: [] } };
    try {
      const answers: unknown[] = [];
      for (const bytes of [new Uint8Array([0xff, 0xfe]), encode('not json'), encode('null'), encode(packet({ grant: 'x' })), encode(packet({ ...forged, job: { kind: 'drop' } })), encode(packet(forged)), encode(packet({ probe: true }))]) {
        const m = await nc.request(laneJobSubject('site-b'), bytes, { timeout: 5000 });
        answers.push(JSON.parse(new TextDecoder().decode(m.data)).response);
      }
      const refused = (code: string) => expect.objectContaining({ ok: false, code });
      // Unreadable: refused; a made-up key: the database refuses it, nothing written; a probe: ready.
      expect(answers).toEqual([refused('failed'), refused('failed'), refused('failed'), refused('failed'), refused('failed'), refused('moved'), refused('ready')]);
      // Offers that are not offers, and one from a node nobody runs: no lane goes anywhere.
      for (const bytes of [new Uint8Array([0xff]), encode('{"data":{"node":""}}'), encode(JSON.stringify({ data: { node: 'x'.repeat(10_000) } })), encode(JSON.stringify({ data: { node: 'ghost' } }))])
        nc.publish('lifeline.lanes.offer', bytes);
      await nc.flush();
    } finally {
      await nc.close();
    }
    // Still up, lane 1 still with the follower, and an order still goes to its final status.
    for (const node of [active, follower]) expect((await call(node.url, '/health', TOKENS.console)).status).toBe(200);
    const third = await call(active.url, '/api/orders', TOKENS.console, { method: 'POST', body: JSON.stringify({ clientRef: 'l-3', order: ORDER }) });
    expect(third.status).toBe(202);
    await waitFor(async () => (await call(active.url, '/api/orders?status=open', TOKENS.console)).body.length === 0, 'the third order final');
    expect(await gauge(active.url, 'lifeline_engine_lane_elsewhere{lane="1"}')).toBe(1);
    await checkRows(db.name);
  }, 120_000);
});
