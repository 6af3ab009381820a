import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { killChildren, startNode, waitFor, type Child } from '../support/child';
import { rawRequest } from '../support/raw-client';
import { freshTestDatabase } from '../support/test-store';

/** A standby node as clients meet it: on its own port, answering, refusing, then taking over. */
describe('a standby node', () => {
  let db: Awaited<ReturnType<typeof freshTestDatabase>>;
  let active: Child;
  let standby: Child;
  beforeAll(async () => {
    db = await freshTestDatabase('lt_standby');
    const env = { LIFELINE_DB: db.url, LIFELINE_STANDBY: '1' };
    active = await startNode({ ...env, LIFELINE_NODE: 'site-a' });
    await active.listening;
    standby = await startNode({ ...env, LIFELINE_NODE: 'site-b' });
  });
  afterAll(async () => {
    killChildren();
    await db.drop();
  });

  it('says it is a standby and which node is active, and refuses everything else with 503 and Retry-After', async () => {
    // It names the active node once it has looked at the lease (at once, then every half second).
    let health: unknown;
    await waitFor(async () => {
      const r = await fetch(`${standby.url}/health`);
      expect(r.status).toBe(503);
      health = await r.json();
      return (health as { active?: string }).active !== undefined;
    }, 'the standby to name the active node');
    expect(health).toEqual({ status: 'standby', node: 'site-b', active: 'site-a' });
    const api = await fetch(`${standby.url}/api/orders`, { method: 'POST', headers: { Authorization: 'Bearer demo-console-token', 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('1');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await api.json()) as { error: unknown }).error).toEqual({ code: 'standby', message: expect.stringMatching(/site-b\) is a standby; site-a is active/) });
    const ws = new WebSocket(`${standby.url.replace('http', 'ws')}/ws?token=demo-console-token`);
    const refused = await new Promise<number>((r) => ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    expect(refused).toBe(503);
  });

  it('survives what hostile clients send it: a garbage request line, a reset, an upgrade cut short', async () => {
    const garbage = await rawRequest(standby.url, ['\u0000\u00ff GET /%%% HTTP/9\r\n\r\n']);
    expect(garbage.status === 400 || garbage.end === 'closed').toBe(true);
    await rawRequest(standby.url, ['GET /health HTTP/1.1\r\nHost: x\r\n'], { reset: true });
    await rawRequest(standby.url, ['GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'], { reset: true });
    expect((await fetch(`${standby.url}/health`)).status).toBe(503); // still there
  });

  it('takes over on the same port once the active node stops, whatever clients still hold open', async () => {
    // A client refused an upgrade that never closes its side (half-open), and one idle mid-request.
    const { port } = new URL(standby.url);
    const stuck = [connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true }), connect(Number(port), '127.0.0.1')];
    stuck.forEach((c) => c.on('error', () => undefined));
    stuck[0].write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    stuck[1].write('GET /health HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => stuck[0].once('data', r));
    active.proc.kill('SIGTERM');
    expect((await active.exited).code).toBe(0);
    expect(await standby.listening).toBe(standby.url);
    const health = await fetch(`${standby.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok', node: 'site-b', role: 'active' });
    // Without a bus too, the node that writes says so on /metrics (the operator's alert sums it).
    const metrics = await (await fetch(`${standby.url}/metrics`, { headers: { Authorization: 'Bearer demo-metrics-token' } })).text();
    expect(metrics).toMatch(/^lifeline_node_active 1$/m);
    stuck.forEach((c) => c.destroy());
  });

  it('is refused on a SQLite file, which has one router', () => {
    const r = spawnSync(process.execPath, ['dist/apps/router/src/main.js'], { env: { ...process.env, PORT: '0', LIFELINE_DB: ':memory:', LIFELINE_STANDBY: '1' }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/a standby needs a PostgreSQL database/);
  });
});
