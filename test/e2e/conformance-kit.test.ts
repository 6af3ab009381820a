import WebSocket from 'ws';
import { GatewayClient, runConformance } from '@lifeline/gateway-sdk';
import { TestNats } from '../support/nats';

const INVALID = '1990000000';

/** The smallest correct adapter: the SDK does the link, the handler plays a perfect device. */
async function goodAdapter(url: string, token: string) {
  const client: GatewayClient = new GatewayClient({
    url, token, gatewayId: 'good-1', channel: 'public', areas: ['330100'], window: 4,
    onSend: (f) => (f.to === INVALID ? client.failed(f.attemptId, 'invalid number', true) : client.delivered(f.attemptId)),
  });
  client.start();
  return () => client.stop();
}

/**
 * A careless adapter on a raw socket: it crashes on a frame it cannot parse (and comes back under
 * another name), and reports delivery before acceptance.
 */
async function carelessAdapter(url: string, token: string) {
  let ws: WebSocket;
  let stopped = false;
  let incarnation = 0;
  const connect = () => {
    ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', gatewayId: `careless-${++incarnation}`, channel: 'public', areas: ['330100'], window: 4 })));
    ws.on('message', (d) => {
      let f;
      try {
        f = JSON.parse(String(d));
      } catch {
        return ws.terminate();
      }
      if (f.type !== 'send' || !f.attemptId) return;
      ws.send(JSON.stringify({ type: 'delivered', attemptId: f.attemptId }));
      ws.send(JSON.stringify({ type: 'accepted', attemptId: f.attemptId }));
    });
    ws.on('close', () => !stopped && connect());
  };
  connect();
  return async () => {
    stopped = true;
    ws.terminate();
  };
}

describe('gateway conformance kit', () => {
  it('passes an adapter built on the SDK, every check', async () => {
    const r = await runConformance({ channel: 'public', to: ['13800000001', '13800000002'], invalidTo: INVALID, stepTimeoutMs: 5_000, start: goodAdapter });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.checks.map((c) => c.name)).toHaveLength(8);
    expect(r).toMatchObject({ ok: true, gatewayId: 'good-1', window: 4 });
  });

  it('fails a careless adapter on exactly what it breaks', async () => {
    const r = await runConformance({ channel: 'public', to: ['13800000001'], stepTimeoutMs: 5_000, start: carelessAdapter });
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toEqual([
      'survives bad router frames and stays connected',
      'comes back after the link drops, with nothing lost',
      'sends only frames of the contract, in a legal order',
    ]);
    expect(r.checks.find((c) => c.name.startsWith('sends only'))!.detail).toMatch(/delivered before accepted/);
    expect(r.ok).toBe(false);
  });

  it('passes the same adapter linked over NATS, every check (the kit plays the router on the bus)', async () => {
    const nats = await TestNats.start();
    try {
      const r = await runConformance({ channel: 'public', to: ['13800000001', '13800000002'], invalidTo: INVALID, stepTimeoutMs: 10_000, bus: nats.url, start: goodAdapter });
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.checks.map((c) => c.name)).toHaveLength(8);
      expect(r).toMatchObject({ ok: true, url: nats.url, gatewayId: 'good-1' });
    } finally {
      await nats.stop();
    }
  }, 60_000);
});
