import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from './support/server';
import { fastConfig, killChildren, startChild, tempDir, waitFor } from './support/child';

const ADMIN = 'crash-admin';
const VILLAGES = ['330102001001', '330102001002', '330103002003', '330104003004', '330102004006'];

async function api(url: string, path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(url + path, { ...init, headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return r.json();
}

describe('crash: SIGKILL mid-burst (router as a child process)', () => {
  afterAll(() => killChildren());

  it('loses no accepted order, replays clientRefs to the same order, and finishes every delivery', async () => {
    const dir = tempDir();
    const db = join(dir, 'crash.db');
    const env = { LIFELINE_DB: db, LIFELINE_CONFIG: fastConfig(dir), LIFELINE_ADMIN_TOKEN: ADMIN };
    const first = await startChild(env);
    const c = await Client.open(first.url, ADMIN);
    c.ws.on('error', () => {}); // the router dies under it
    const accepted = new Map<string, string>();
    const total = 200;
    let sent = 0;
    const sendNext = () => {
      const i = sent++;
      if (i < total)
        c.send({ type: 'order.send', clientRef: `burst-${i}`, order: { priority: i % 7 === 0 ? 'flash' : 'routine', to: { areas: [VILLAGES[i % VILLAGES.length]] }, body: `第${i}号通知：请做好防汛准备。`, ttlS: 600 } });
    };
    // A paced burst, eight orders in flight: the kill lands with some sent and not yet answered.
    c.ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      if (f.type === 'order.accepted') {
        accepted.set(f.clientRef, f.orderId);
        sendNext();
      }
    });
    for (let i = 0; i < 8; i++) sendNext();
    await waitFor(async () => accepted.size >= 40, 'some orders accepted');
    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const acceptedBeforeKill = new Map(accepted);
    expect(acceptedBeforeKill.size).toBeLessThan(total); // killed mid-burst

    const second = await startChild(env);
    for (const [clientRef, orderId] of acceptedBeforeKill) {
      const o = await api(second.url, `/api/orders/${orderId}?limit=1`);
      expect(o.orderId).toBe(orderId); // nothing acknowledged is lost
      const again = await api(second.url, '/api/orders', { method: 'POST', body: JSON.stringify({ clientRef, order: { priority: 'routine', to: { areas: [VILLAGES[0]] }, body: 'x' } }) });
      expect(again.orderId).toBe(orderId); // the same clientRef creates nothing new
    }
    await waitFor(async () => (await api(second.url, '/api/orders?status=open')).length === 0, 'every delivery final', 90_000);
    const orders: { orderId: string; deliveryCount: number }[] = await api(second.url, '/api/orders?status=all');
    for (const o of orders) {
      const got = await api(second.url, `/api/orders/${o.orderId}?limit=10000`);
      expect(Object.keys(got.counts)).toEqual(['delivered']);
      expect(got.counts.delivered).toBe(o.deliveryCount);
    }
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    // Exactly one final receipt per delivery.
    const finals = check.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'receipt' AND payload LIKE '%\"status\":\"delivered\"%'").get() as { n: number };
    const deliveries = check.prepare('SELECT COUNT(*) AS n FROM deliveries').get() as { n: number };
    expect(finals.n).toBe(deliveries.n);
    check.close();
  }, 180_000);
});
