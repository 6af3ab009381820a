import { spawnSync } from 'node:child_process';
import { sqliteOf } from '../support/test-store';
import { join } from 'node:path';
import request from 'supertest';
import { fastConfig, killChildren, startChild, tempDir, waitFor, type Child } from '../support/child';
import { rowsOf } from '../support/digest';
import { Client, testServer, TOKENS } from '../support/server';

/** What an operator runs into: two routers on one file, restarts, health, channels nobody serves. */
const ADMIN = 'ops-admin-token';
const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const order = (village: string, over: Record<string, unknown> = {}) => ({
  priority: 'immediate',
  to: { areas: [village] },
  body: '请注意：明日有强降雨，做好防汛准备。',
  ackRequired: false,
  ttlS: 600,
  ...over,
});

afterAll(() => killChildren());

/**
 * Events with seq in (from, to] that are not a send already under way going on: anything but an
 * order accepted, a first attempt's `sending`, an attempt sent again with its id, or the `sent` and
 * `delivered` of the attempt last sent. A stop that took a channel down, queued a delivery or
 * fell back to another channel shows here.
 */
function causedBy(db: string, from: number, to: number): Record<string, unknown>[] {
  const events = rowsOf<{ seq: number; payload: string }>(db, 'SELECT seq, payload FROM events ORDER BY seq').map((e): Record<string, unknown> & { seq: number } => ({ ...(JSON.parse(e.payload) as Record<string, unknown>), seq: e.seq }));
  const attempt = new Map<unknown, string>(); // deliveryId -> the channel and attempt last sent
  const odd: Record<string, unknown>[] = [];
  for (const e of events) {
    const sent = `${e.channel}#${e.attempt}`;
    const ordinary =
      e.type === 'order.accepted' ||
      (e.type === 'receipt' && e.status === 'sending' && (e.attempt === 1 || attempt.get(e.deliveryId) === sent)) ||
      (e.type === 'receipt' && (e.status === 'sent' || e.status === 'delivered') && attempt.get(e.deliveryId) === sent);
    if (e.type === 'receipt' && e.status === 'sending') attempt.set(e.deliveryId, sent);
    if (e.seq > from && e.seq <= to && !ordinary) odd.push(e);
  }
  return odd;
}

describe('one writer per database file', () => {
  it('refuses a second router on the same file, and a killed one never blocks its restart', async () => {
    const dir = tempDir();
    const env = { LIFELINE_DB: join(dir, 'one.db'), LIFELINE_CONFIG: fastConfig(dir), LIFELINE_ADMIN_TOKEN: ADMIN };
    const first = await startChild(env);
    const second = spawnSync(process.execPath, ['dist/apps/router/src/main.js'], { env: { ...process.env, PORT: '0', ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(second.status).toBe(3);
    expect(second.stderr).toMatch(/one\.db is in use by another Lifeline process/);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    first.proc.kill('SIGKILL');
    await first.exited;
    const again = await startChild(env);
    expect((await fetch(`${again.url}/health`)).status).toBe(200);
    again.proc.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('says which database it cannot open and why, password left out, and exits 1', () => {
    const start = (database: string) =>
      spawnSync(process.execPath, ['dist/apps/router/src/main.js'], { env: { ...process.env, PORT: '0', LIFELINE_DB: database }, encoding: 'utf8', timeout: 30_000 });
    const refused = start('postgres://lifeline:s3cret@127.0.0.1:1/lifeline'); // nobody listens on port 1
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/cannot open the database postgres:\/\/lifeline:\*\*\*@127\.0\.0\.1:1\/lifeline: .*ECONNREFUSED/);
    expect(refused.stderr).not.toMatch(/s3cret|    at /); // no password, no stack trace
    const malformed = start('postgres://%zz@/');
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toMatch(/cannot open the database .*Invalid URL/);
  });
});

describe('health says whether the router can commit', () => {
  it('turns to 503 with the reason while commits fail, and back to ok once one succeeds', async () => {
    const s = await testServer();
    try {
      const http = request(s.app.getHttpServer());
      await http.get('/health').expect(200, { status: 'ok' });
      const internalErrors = async () => Number(/^lifeline_internal_errors_total (\d+)$/m.exec((await http.get('/metrics').set(auth(TOKENS.metrics)).expect(200)).text)?.[1]);
      const errorsBefore = await internalErrors();
      sqliteOf(s.lifeline.store).db.sql.run('PRAGMA query_only = ON'); // as a full or read-only disk would
      await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'ro', order: order('330102001001') }).expect(500);
      const down = await http.get('/health').expect(503);
      expect(down.body).toEqual({ status: 'error', reason: expect.stringMatching(/cannot commit: .*readonly/i) });
      const metrics = await http.get('/metrics').set(auth(TOKENS.metrics)).expect(200);
      expect(metrics.text).toMatch(/^lifeline_writer_failing 1$/m);
      expect(await internalErrors()).toBeGreaterThan(errorsBefore); // the failed commit is an internal error, and counted
      sqliteOf(s.lifeline.store).db.sql.run('PRAGMA query_only = OFF');
      await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'rw', order: order('330102001001') }).expect(202);
      await http.get('/health').expect(200, { status: 'ok' });
    } finally {
      await s.close();
    }
  });
});

describe('a stop is not an outage', () => {
  it('publishes no channel change and moves no delivery because of a SIGTERM, and resumes where it stopped', async () => {
    const dir = tempDir();
    const db = join(dir, 'term.db');
    // Slow delivery receipts: the stop lands while deliveries are out at the gateways.
    const config = fastConfig(dir, (c) => c.channels.forEach((ch: { simulator: Record<string, unknown> }) => Object.assign(ch.simulator, { deliverMs: [3_000, 4_000] })));
    const env = { LIFELINE_DB: db, LIFELINE_CONFIG: config, LIFELINE_ADMIN_TOKEN: ADMIN };
    let child: Child = await startChild(env);
    const c = await Client.open(child.url, ADMIN);
    c.ws.on('error', () => {});
    const villages = ['330102001001', '330103002003', '330104003004'];
    for (let i = 0; i < 12; i++) c.send({ type: 'order.send', clientRef: `t-${i}`, order: order(villages[i % 3]) });
    await c.next((f) => f.type === 'order.accepted' && f.clientRef === 't-5');
    // What the stream held the moment before the stop: whatever comes after it is either the
    // writes already in flight finishing, or something the stop caused.
    const beforeStop = rowsOf<{ m: number }>(db, 'SELECT MAX(seq) AS m FROM events')[0].m;
    child.proc.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    const lastSeq = rowsOf<{ m: number }>(db, 'SELECT MAX(seq) AS m FROM events')[0].m;
    // Written while it stopped: only sends already under way going on (a first `sending`, its
    // `sent`, `delivered`) and orders already sent being accepted; no channel event, no fallback.
    expect(causedBy(db, beforeStop, lastSeq)).toEqual([]);
    const atStop = rowsOf<{ status: string }>(db, "SELECT status FROM deliveries WHERE status IN ('sending', 'sent')");
    expect(atStop.length).toBeGreaterThan(0); // the stop really caught deliveries in flight

    child = await startChild(env);
    const api = (path: string) => fetch(child.url + path, { headers: auth(ADMIN) }).then((r) => r.json() as Promise<unknown[]>);
    await waitFor(async () => (await api('/api/orders?status=open')).length === 0, 'every delivery final after the restart');
    // After the restart too: the attempts in flight sent again with their ids, nothing moved.
    expect(causedBy(db, lastSeq, Infinity)).toEqual([]);
    const finals = rowsOf<{ status: string; n: number }>(db, 'SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status');
    expect(finals.map((f) => f.status)).toEqual(['delivered']);
    child.proc.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });
});

describe('channels nobody serves', () => {
  it('are published down once gateways had their grace after start, and up when one says hello', async () => {
    const s = await testServer({ simulators: 'public,pdt' });
    try {
      const channelEvents = async () => (await s.lifeline.store.read.events.since(0, 10_000)).filter((e) => e.type === 'channel').map((e) => e.payload as { channel: string; state: string });
      expect((await channelEvents()).filter((e) => e.state === 'down')).toEqual([]);
      await s.advance(s.lifeline.config.engine.gatewayGraceS * 1_000);
      const down = (await channelEvents()).filter((e) => e.state === 'down').map((e) => e.channel);
      expect(down.sort()).toEqual(['beidou', 'drone', 'tiantong']);
      const gw = await Client.open(s.url, 'demo-gateway-beidou', '/gateway');
      gw.send({ type: 'hello', gatewayId: 'bd-1', channel: 'beidou', areas: ['330100'], window: 4 });
      await s.advance(100);
      expect((await channelEvents()).at(-1)).toMatchObject({ channel: 'beidou', state: 'up' });
      await gw.close();
    } finally {
      await s.close();
    }
  });
});

describe('metrics an operator uses', () => {
  it('answers "how many people have not answered the flash order yet"', async () => {
    const s = await testServer({ tweak: (c) => c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)) });
    try {
      const http = request(s.app.getHttpServer());
      const scrape = async () => (await http.get('/metrics').set(auth(TOKENS.metrics)).expect(200)).text;
      const a = (await http.post('/api/orders').set(auth(TOKENS.console)).send({ clientRef: 'flash', order: order('330102001001', { priority: 'flash', ackRequired: true, ackWithinS: 600 }) }).expect(202)).body;
      await s.advance(30_000);
      expect(await scrape()).toMatch(new RegExp(`^lifeline_unanswered_deliveries\\{priority="flash"\\} ${a.deliveries}$`, 'm'));
      expect(await scrape()).toMatch(/^lifeline_oldest_unanswered_seconds\{priority="flash"\} 30$/m);
      expect(await scrape()).toMatch(/^lifeline_engine_lane_queued\{lane="0"\} 0$/m); // SQLite: one lane, nothing waiting
      // What only grows is a counter named *_total, so that rate() and restarts work as Prometheus expects.
      expect(await scrape()).toMatch(/^# TYPE lifeline_writer_commits_total counter\nlifeline_writer_commits_total [1-9]\d*$/m);
      expect(await scrape()).toMatch(new RegExp(`^lifeline_deliveries\\{status="delivered",channel="public"\\} ${a.deliveries}$`, 'm'));
      const person = (await s.lifeline.store.read.deliveries.ofOrder(a.orderId))[0].personId;
      await http.post(`/api/sim/people/${person}/reply`).set(auth(TOKENS.drill)).send({ orderId: a.orderId }).expect(202);
      await s.advance(1_000);
      expect(await scrape()).toMatch(new RegExp(`^lifeline_unanswered_deliveries\\{priority="flash"\\} ${a.deliveries - 1}$`, 'm'));
    } finally {
      await s.close();
    }
  });
});

describe('the walkthrough console (npm run console)', () => {
  it('prints names and places, says when the router goes away, and resumes since its last event without gaps or repeats', async () => {
    const dir = tempDir();
    const env = { LIFELINE_DB: join(dir, 'console.db'), LIFELINE_CONFIG: fastConfig(dir, (c) => c.channels.forEach((ch: { simulator: Record<string, unknown> }) => Object.assign(ch.simulator, { deliverMs: [500, 1_500] }))), LIFELINE_ADMIN_TOKEN: ADMIN };
    let router = await startChild(env);
    const port = new URL(router.url).port;
    const { spawn } = await import('node:child_process');
    // Two nodes' URLs, the first with nobody there: the console goes on to the next.
    const cli = spawn(process.execPath, ['dist/scripts/console.js', '--url', `ws://127.0.0.1:9/ws,ws://127.0.0.1:${port}/ws`, '--since', '0', '--order', JSON.stringify(order('330102001001'))], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d) => (out += String(d)));
    try {
      await waitFor(async () => / sent /.test(out), 'a receipt printed');
      expect(out).toMatch(/ws:\/\/127\.0\.0\.1:9\/ws: not reachable; trying at ws:\/\/127\.0\.0\.1:\d+\/ws in/);
      expect(out).toContain(`connected to ws://127.0.0.1:${port}/ws`);
      expect(out).toMatch(/order [A-Z2-9]{4,6} accepted: \d+ deliveries/);
      expect(out).toMatch(/#\d+ \d\d:\d\d:\d\d \S+ \(\S+村\) sent/); // a name and a village, not ids
      router.proc.kill('SIGKILL');
      await router.exited;
      await waitFor(async () => /router went away \(\d+\); reconnecting at ws:\/\/127\.0\.0\.1:9\/ws in [\d.]+ s, then resuming since #\d+/.test(out), 'the console saying the router went away');
      router = await startChild({ ...env, PORT: port });
      await waitFor(async () => (await fetch(`${router.url}/api/orders?status=open`, { headers: auth(ADMIN) }).then((r) => r.json() as Promise<unknown[]>)).length === 0, 'every delivery final');
      await waitFor(async () => {
        const seqs = [...out.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
        const max = rowsOf<{ m: number }>(env.LIFELINE_DB, 'SELECT MAX(seq) AS m FROM events')[0].m;
        return seqs.at(-1) === max;
      }, 'the console printing up to the last event');
      const seqs = [...out.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // every event once, in order
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
