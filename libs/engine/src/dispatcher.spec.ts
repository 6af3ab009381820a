import { VirtualClock } from '@lifeline/clock';
import { AreaTree, Channels, type ChannelSpec, type Priority } from '@lifeline/domain';
import { Subject } from 'rxjs';
import type { EngineOutput } from './delivery-engine';
import { Dispatcher, type GatewayPool } from './dispatcher';
import type { SendItem } from './send-item';

const tree = new AreaTree([
  { code: 'city', name: 'city', parent: null },
  { code: 'town-a', name: 'a', parent: 'city' },
  { code: 'town-b', name: 'b', parent: 'city' },
]);

const radio = (over: Partial<ChannelSpec['capacity']> = {}): ChannelSpec => ({
  id: 'pdt', kind: 'pdt', terminal: 'pdt', narrowband: true, text: { kind: 'chars', maxChars: 140 },
  acceptTimeoutS: 20, deliveryTimeoutS: 60, presumeDeliveredS: null,
  capacity: { ratePerS: 1_000, burst: 1_000, areaDepth: 0, ...over },
  breaker: { failures: 5, backoffS: 30, maxBackoffS: 600, areaDepth: 1 }, batteryH: 8,
});

const RANKS: Priority[] = ['flash', 'immediate', 'priority', 'routine'];
let n = 0;
const item = (priority: Priority = 'routine', area = 'town-a'): SendItem => ({
  attemptId: `o:p-${++n}#1`, deliveryId: `o:p-${n}`, orderId: 'o', channel: 'pdt', area, priorityRank: RANKS.indexOf(priority), priority,
  to: '3301', ref: 'A7K2', text: 'x', ackRequired: false,
});

/** Gateways that take sends into a list, each with a window, reaching every area. */
class FakePool implements GatewayPool {
  readonly sent: { gateway: string; item: SendItem }[] = [];
  constructor(readonly windows: Map<string, number>) {}
  pick(_channel: string, _area: string, load: (g: string) => number): string | null {
    let best: string | null = null;
    for (const [g, w] of this.windows) if (load(g) < w && (best === null || load(g) / w < load(best) / this.windows.get(best)!)) best = g;
    return best;
  }
  send(gateway: string, item: SendItem): void {
    this.sent.push({ gateway, item });
  }
}

function setup(o: { windows?: [string, number][]; capacity?: Partial<ChannelSpec['capacity']>; cancelled?: Set<string> } = {}) {
  const clock = new VirtualClock();
  const pool = new FakePool(new Map(o.windows ?? [['gw-1', 100]]));
  const committed = new Subject<EngineOutput>();
  const dispatcher = new Dispatcher(clock, new Channels([radio(o.capacity)]), tree, pool, { committed$: committed }, 10, (id) => o.cancelled?.has(id) ?? false);
  const silences: string[] = [];
  dispatcher.silent$.subscribe((s) => silences.push(s.item.attemptId));
  const commit = (sends: SendItem[], drops: string[] = []) => committed.next({ events: [], sends, drops, timersArmed: null, finals: 0 });
  return { clock, pool, dispatcher, silences, commit };
}

describe('the dispatcher', () => {
  it('sends what a committed job decided, the highest priority first, within the rate', async () => {
    const { clock, pool, commit } = setup({ capacity: { ratePerS: 1, burst: 1 } });
    commit([item('routine'), item('routine')]);
    expect(pool.sent.map((s) => s.item.priority)).toEqual(['routine']); // the burst allows one now
    commit([item('flash')]);
    await clock.advance(1_000);
    expect(pool.sent.map((s) => s.item.priority)).toEqual(['routine', 'flash']); // flash overtakes the waiting routine
    await clock.advance(1_000);
    expect(pool.sent).toHaveLength(3);
  });

  it('keeps each gateway within its window, least loaded first, and sends more as answers come', () => {
    const { pool, dispatcher, commit } = setup({ windows: [['gw-1', 2], ['gw-2', 1]] });
    const items = [item(), item(), item(), item()];
    commit(items);
    expect(pool.sent.map((s) => s.gateway).sort()).toEqual(['gw-1', 'gw-1', 'gw-2']);
    expect(dispatcher.pending).toBe(1);
    expect(dispatcher.answered(pool.sent[0].item.attemptId)).toBe(true);
    expect(dispatcher.answered(pool.sent[0].item.attemptId)).toBe(false); // a repeated answer frees nothing
    expect(pool.sent).toHaveLength(4);
  });

  it('takes a send it already holds, queued or at a gateway, only once (sent again after a lane came back from another node)', () => {
    const { pool, dispatcher } = setup({ windows: [['gw-1', 1], ['gw-2', 1]] });
    const [a, b] = [item(), item()];
    dispatcher.enqueue([a, b]);
    dispatcher.enqueue([a, b]); // both at gateways now
    expect(pool.sent.map((s) => s.item.attemptId)).toEqual([a.attemptId, b.attemptId]);
    const c = item();
    dispatcher.enqueue([c, c]); // no window free: queued once
    expect(dispatcher.pending).toBe(1);
    expect(dispatcher.inFlightCount).toBe(2);
    dispatcher.answered(a.attemptId);
    expect(pool.sent.map((s) => s.item.attemptId)).toEqual([a.attemptId, b.attemptId, c.attemptId]);
    expect(dispatcher.pending).toBe(0);
  });

  it('reports a send no gateway answered within the accept timeout, and frees its slot', async () => {
    const { clock, pool, dispatcher, silences, commit } = setup({ windows: [['gw-1', 1]] });
    const [a, b] = [item(), item()];
    commit([a, b]);
    expect(pool.sent).toHaveLength(1);
    await clock.advance(20_000);
    expect(silences).toEqual([a.attemptId]);
    expect(pool.sent.map((s) => s.item.attemptId)).toEqual([a.attemptId, b.attemptId]);
    expect(dispatcher.stats.silent).toBe(1);
  });

  it('gives what a gateway held back to the channel when it goes, with the same attempt ids', () => {
    const { pool, dispatcher, commit } = setup({ windows: [['gw-1', 5]] });
    const items = [item(), item()];
    commit(items);
    pool.windows.delete('gw-1');
    pool.windows.set('gw-2', 5);
    dispatcher.gatewayGone('gw-1');
    expect(pool.sent.filter((s) => s.gateway === 'gw-2').map((s) => s.item.attemptId)).toEqual(items.map((i) => i.attemptId));
  });

  it('never hands a superseded send to another gateway when its own goes away, and says nothing of its silence', async () => {
    const { clock, pool, dispatcher, silences, commit } = setup({ windows: [['gw-1', 5], ['gw-2', 5]] });
    const [cancelled, live] = [item(), item()];
    commit([cancelled, live]);
    const at = (id: string) => pool.sent.find((x) => x.item.attemptId === id)!.gateway;
    commit([], [cancelled.attemptId]); // a cancel while it is at its gateway
    for (const g of new Set([at(cancelled.attemptId), at(live.attemptId)])) dispatcher.gatewayGone(g);
    expect(pool.sent.filter((x) => x.item.attemptId === cancelled.attemptId)).toHaveLength(1);
    expect(pool.sent.filter((x) => x.item.attemptId === live.attemptId).length).toBeGreaterThanOrEqual(1);
    await clock.advance(60_000);
    expect(silences).not.toContain(cancelled.attemptId);
  });

  it('sends nothing more that is queued for an order once it is cancelled', () => {
    const cancelled = new Set<string>();
    const { pool, dispatcher, commit } = setup({ windows: [['gw-1', 1]], cancelled });
    const [first, second] = [item(), { ...item(), orderId: 'o-other' }];
    const queuedOfO = item();
    commit([first, queuedOfO, second]);
    cancelled.add('o');
    dispatcher.answered(first.attemptId); // a slot frees: the queued send of the cancelled order is passed over
    expect(pool.sent.map((x) => x.item.attemptId)).toEqual([first.attemptId, second.attemptId]);
  });

  it('forgets superseded sends not yet out; one at a gateway keeps its slot until the gateway answers it', () => {
    const { pool, dispatcher, commit } = setup({ windows: [['gw-1', 1]] });
    const [out, waiting, dropped] = [item(), item(), item()];
    commit([out, waiting, dropped]);
    commit([], [dropped.attemptId]); // still queued: never sent
    commit([], [out.attemptId]); // at the gateway: it still holds it, and its window is full
    expect(pool.sent.map((s) => s.item.attemptId)).toEqual([out.attemptId]);
    dispatcher.answered(out.attemptId); // its answer frees the slot: the queue drains
    expect(pool.sent.map((s) => s.item.attemptId)).toEqual([out.attemptId, waiting.attemptId]);
    expect(dispatcher.pending).toBe(0);
  });
});
