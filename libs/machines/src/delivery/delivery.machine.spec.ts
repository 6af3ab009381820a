import { createDelivery, isFinalValue, statusOf, stepDelivery, upgradeStored, type StoredDelivery } from './delivery.runner';
import type { DeliveryEvent, DeliveryInput, DeliveryIntent } from './delivery.types';

const input = (over: Partial<DeliveryInput> = {}): DeliveryInput => ({
  channels: ['public', 'pdt', 'beidou'],
  terminalOf: { public: 'public', pdt: 'pdt', beidou: 'beidou' },
  ackRequired: true,
  ackWithinMs: 600_000,
  expiresAt: 3_600_000,
  retryBaseMs: 30_000,
  retryMaxMs: 300_000,
  ...over,
});

/** Runs events in order and keeps every intent, like the engine would write them. */
function run(start: DeliveryInput, events: DeliveryEvent[]) {
  let stored: StoredDelivery = createDelivery(start);
  const intents: DeliveryIntent[] = [];
  for (const e of events) {
    const step = stepDelivery(stored, e);
    stored = step.stored;
    intents.push(...step.intents);
  }
  const receipts = intents.filter((i) => i.type === 'receipt').map((i) => i.params as { status: string; channel: string | null; attempt: number; detail: string | null });
  const dispatches = intents.filter((i) => i.type === 'dispatch').map((i) => i.params as { channel: string; attempt: number });
  return { stored, intents, receipts, dispatches, statuses: receipts.map((r) => r.status) };
}

const ALL = ['public', 'pdt', 'beidou'];
const start = (at = 0, available = ALL): DeliveryEvent => ({ type: 'START', at, available });

describe('delivery machine', () => {
  it('sends on the first preferred channel and ends delivered when no answer is asked', () => {
    const r = run(input({ ackRequired: false }), [
      start(),
      { type: 'ACCEPTED', at: 1, attempt: 1, deliveryTimeoutMs: 30_000 },
      { type: 'DELIVERED', at: 2, attempt: 1 },
    ]);
    expect(r.statuses).toEqual(['sending', 'sent', 'delivered']);
    expect(r.dispatches).toEqual([{ channel: 'public', attempt: 1 }]);
    expect(r.stored.value).toBe('delivered');
    expect(statusOf(r.stored.value)).toBe('delivered');
    expect(isFinalValue(r.stored.value)).toBe(true);
    expect(r.intents.some((i) => i.type === 'cancelTimers')).toBe(true);
  });

  it('takes acceptance for delivery on a channel without receipts, after its presumption time, when no answer is asked', () => {
    const accepted: DeliveryEvent = { type: 'ACCEPTED', at: 1_000, attempt: 1, deliveryTimeoutMs: 120_000, presumeDeliveredMs: 5_000 };
    const r = run(input({ ackRequired: false }), [start(), accepted, { type: 'TIMER_FIRED', at: 6_000, name: 'delivery', epoch: 1, available: ALL }]);
    expect(r.intents).toContainEqual({ type: 'armTimer', params: { name: 'delivery', epoch: 1, dueAt: 6_000 } });
    expect(r.statuses).toEqual(['sending', 'sent', 'delivered']);
    expect(r.receipts.at(-1)!.detail).toBe('delivered as presumed: the channel gives no delivery receipts');
    expect(r.intents).toContainEqual({ type: 'attempt', params: { attempt: 1, status: 'delivered', detail: 'delivered as presumed: the channel gives no delivery receipts', settled: true } });
    // A receipt that comes anyway ends it at once.
    expect(run(input({ ackRequired: false }), [start(), accepted, { type: 'DELIVERED', at: 2_000, attempt: 1 }]).statuses).toEqual(['sending', 'sent', 'delivered']);
  });

  it('presumes nothing for an order that asks an answer: 叫应 needs the person, not the gateway', () => {
    const r = run(input(), [
      start(),
      { type: 'ACCEPTED', at: 1_000, attempt: 1, deliveryTimeoutMs: 120_000, presumeDeliveredMs: 5_000 },
      { type: 'TIMER_FIRED', at: 121_000, name: 'delivery', epoch: 1, available: ALL },
    ]);
    expect(r.intents).toContainEqual({ type: 'armTimer', params: { name: 'delivery', epoch: 1, dueAt: 121_000 } });
    expect(r.dispatches).toEqual([{ channel: 'public', attempt: 1 }, { channel: 'pdt', attempt: 2 }]);
  });

  it('arms the ttl timer with the absolute expiry on start', () => {
    const r = run(input(), [start(5)]);
    expect(r.intents).toContainEqual({ type: 'armTimer', params: { name: 'ttl', epoch: 1, dueAt: 3_600_000 } });
  });

  it('waits queued, with the reason, when no channel reaches the person, and resumes when one comes up', () => {
    const r = run(input(), [start(0, []), { type: 'CHANNEL_CHANGED', at: 10, available: ['beidou'] }]);
    expect(r.statuses).toEqual(['queued', 'sending']);
    expect(r.receipts[0].detail).toMatch(/waiting: none of public, pdt, beidou/);
    expect(r.dispatches).toEqual([{ channel: 'beidou', attempt: 1 }]);
  });

  it('ignores channel changes that still leave nothing usable', () => {
    const r = run(input(), [start(0, []), { type: 'CHANNEL_CHANGED', at: 10, available: ['tiantong'] }]);
    expect(r.statuses).toEqual(['queued']);
  });

  it('fails at once when the person holds no terminal', () => {
    const r = run(input({ channels: [] }), [start()]);
    expect(r.statuses).toEqual(['failed']);
    expect(r.receipts[0].detail).toMatch(/no terminal/);
  });

  it('expires a delivery started after its deadline without sending', () => {
    const r = run(input(), [start(3_600_000)]);
    expect(r.statuses).toEqual(['expired']);
    expect(r.dispatches).toEqual([]);
  });

  it.each([
    ['a transient failure', { type: 'FAILED', at: 5, attempt: 1, permanent: false, reason: 'busy', available: ALL }],
    ['gateway silence', { type: 'SILENT', at: 5, attempt: 1, reason: 'no accepted in 30s', available: ALL }],
    ['the channel going down', { type: 'CHANNEL_CHANGED', at: 5, available: ['pdt', 'beidou'] }],
  ] as const)('falls back to the next channel on %s', (_name, loss) => {
    const r = run(input(), [start(), loss as DeliveryEvent]);
    expect(r.dispatches).toEqual([
      { channel: 'public', attempt: 1 },
      { channel: 'pdt', attempt: 2 },
    ]);
    expect(r.receipts[1].detail).toMatch(/^public /);
  });

  it('falls back when a gateway accepts but never delivers', () => {
    const r = run(input(), [
      start(),
      { type: 'ACCEPTED', at: 1, attempt: 1, deliveryTimeoutMs: 30_000 },
      { type: 'TIMER_FIRED', at: 30_001, name: 'delivery', epoch: 1, available: ALL },
    ]);
    expect(r.statuses).toEqual(['sending', 'sent', 'sending']);
    expect(r.dispatches[1]).toEqual({ channel: 'pdt', attempt: 2 });
    expect(r.receipts[2].detail).toMatch(/no delivery receipt/);
  });

  it('ignores receipts of other attempts and stale timers', () => {
    const r = run(input(), [
      start(),
      { type: 'FAILED', at: 1, attempt: 1, permanent: false, reason: 'busy', available: ALL },
      { type: 'ACCEPTED', at: 2, attempt: 1, deliveryTimeoutMs: 30_000 },
      { type: 'FAILED', at: 3, attempt: 7, permanent: true, reason: 'forged', available: ALL },
      { type: 'TIMER_FIRED', at: 4, name: 'delivery', epoch: 0, available: ALL },
      { type: 'DELIVERED', at: 5, attempt: 9 },
    ]);
    expect(r.statuses).toEqual(['sending', 'sending']);
    expect(r.stored.context.attempt).toBe(2);
  });

  it('backs off queued after every usable channel failed in a round, then retries', () => {
    const busy = (attempt: number, at: number): DeliveryEvent => ({ type: 'FAILED', at, attempt, permanent: false, reason: 'busy', available: ['public', 'pdt'] });
    const r = run(input(), [start(0, ['public', 'pdt']), busy(1, 1), busy(2, 2)]);
    expect(r.statuses).toEqual(['sending', 'sending', 'queued']);
    const retry = r.intents.find((i) => i.type === 'armTimer' && i.params.name === 'retry');
    expect(retry?.params).toEqual({ name: 'retry', epoch: 1, dueAt: 2 + 30_000 });
    const after = stepDelivery(r.stored, { type: 'TIMER_FIRED', at: 30_002, name: 'retry', epoch: 1, available: ['public', 'pdt'] });
    expect(after.intents.filter((i) => i.type === 'dispatch')).toEqual([{ type: 'dispatch', params: { channel: 'public', attempt: 3 } }]);
  });

  it('keeps waiting without a second queued receipt when the back-off ends and nothing is up', () => {
    const busy = (attempt: number, at: number): DeliveryEvent => ({ type: 'FAILED', at, attempt, permanent: false, reason: 'busy', available: ['public'] });
    const r = run(input({ channels: ['public'], terminalOf: { public: 'public' } }), [start(0, ['public']), busy(1, 1)]);
    expect(r.statuses).toEqual(['sending', 'queued']);
    const after = stepDelivery(r.stored, { type: 'TIMER_FIRED', at: 30_001, name: 'retry', epoch: 1, available: [] });
    expect(after.stored.value).toBe('queued');
    expect(after.stored.context.detail).toMatch(/waiting: none of public/);
    expect(after.intents.filter((i) => i.type === 'receipt')).toEqual([]);
  });

  it('never uses a channel again after it rejected the person permanently, and fails when all did', () => {
    const perm = (attempt: number): DeliveryEvent => ({ type: 'FAILED', at: attempt, attempt, permanent: true, reason: 'invalid number', available: ALL });
    const r = run(input(), [start(), perm(1), perm(2), perm(3)]);
    expect(r.dispatches.map((d) => d.channel)).toEqual(['public', 'pdt', 'beidou']);
    expect(r.statuses.at(-1)).toBe('failed');
    expect(r.receipts.at(-1)?.detail).toMatch(/rejected permanently/);
  });

  it('treats a permanent rejection as the terminal being dead on every channel that uses it', () => {
    const r = run(input({ channels: ['public', 'drone', 'pdt'], terminalOf: { public: 'public', drone: 'public', pdt: 'pdt' } }), [
      start(0, ['public', 'drone', 'pdt']),
      { type: 'FAILED', at: 1, attempt: 1, permanent: true, reason: 'invalid number', available: ['public', 'drone', 'pdt'] },
    ]);
    expect(r.dispatches.map((d) => d.channel)).toEqual(['public', 'pdt']);
    expect(r.stored.context.dead).toEqual(['public', 'drone']);
  });

  it('escalates to the next channel when no answer comes in time, cycling through channels', () => {
    const deliver = (attempt: number, at: number): DeliveryEvent[] => [
      { type: 'ACCEPTED', at, attempt, deliveryTimeoutMs: 30_000 },
      { type: 'DELIVERED', at: at + 1, attempt },
    ];
    const ack = (epoch: number, at: number): DeliveryEvent => ({ type: 'TIMER_FIRED', at, name: 'ack', epoch, available: ALL });
    const r = run(input(), [
      start(),
      ...deliver(1, 1),
      ack(1, 600_002),
      ...deliver(2, 600_010),
      ack(2, 1_200_011),
      ...deliver(3, 1_200_020),
      ack(3, 1_800_021),
    ]);
    expect(r.dispatches.map((d) => d.channel)).toEqual(['public', 'pdt', 'beidou', 'public']);
    expect(r.stored.context.cycle).toBe(3);
    expect(r.receipts.find((x) => x.attempt === 2)?.detail).toMatch(/escalation 1/);
  });

  it('is acknowledged by a reply once an attempt was accepted, and nothing changes after', () => {
    const r = run(input(), [
      start(),
      { type: 'ACCEPTED', at: 2, attempt: 1, deliveryTimeoutMs: 30_000 },
      { type: 'REPLY', at: 3, channel: 'public', text: 'A7K2 收到' },
      { type: 'DELIVERED', at: 4, attempt: 1 },
      { type: 'CANCEL', at: 5 },
    ]);
    expect(r.statuses).toEqual(['sending', 'sent', 'acknowledged']);
    expect(r.stored.value).toBe('acknowledged');
  });

  it('ignores an answer to an order never sent to the person (叫应 means they saw it)', () => {
    const queued = run(input(), [start(0, []), { type: 'REPLY', at: 3, channel: 'public', text: '1' }]);
    expect(queued.statuses).toEqual(['queued']);
    const sending = run(input(), [start(), { type: 'REPLY', at: 3, channel: 'public', text: '1' }]);
    expect(sending.statuses).toEqual(['sending']);
  });

  it('takes an answer while queued again after an earlier attempt was accepted', () => {
    const r = run(input({ channels: ['public'], terminalOf: { public: 'public' } }), [
      start(0, ['public']),
      { type: 'ACCEPTED', at: 1, attempt: 1, deliveryTimeoutMs: 30_000 },
      { type: 'CHANNEL_CHANGED', at: 2, available: [] },
      { type: 'REPLY', at: 3, channel: 'public', text: '1' },
    ]);
    expect(r.statuses).toEqual(['sending', 'sent', 'queued', 'acknowledged']);
  });

  it('ends unanswered when reached but not acknowledged by the deadline, expired when never reached', () => {
    const ttl: DeliveryEvent = { type: 'TIMER_FIRED', at: 3_600_000, name: 'ttl', epoch: 1, available: ALL };
    const reached = run(input(), [start(), { type: 'DELIVERED', at: 1, attempt: 1 }, ttl]);
    expect(reached.statuses).toEqual(['sending', 'delivered', 'unanswered']);
    const never = run(input(), [start(0, []), ttl]);
    expect(never.statuses).toEqual(['queued', 'expired']);
  });

  it('takes a late delivery receipt of an earlier attempt as reached', () => {
    const r = run(input({ ackRequired: false }), [
      start(),
      { type: 'SILENT', at: 30_000, attempt: 1, reason: 'no accepted', available: ALL },
      { type: 'DELIVERED', at: 40_000, attempt: 1 },
    ]);
    expect(r.statuses).toEqual(['sending', 'sending', 'delivered']);
    expect(r.stored.value).toBe('delivered');
    // The late receipt settles attempt 1 as delivered and the attempt still out as superseded.
    expect(r.intents.filter((i) => i.type === 'attempt').map((i) => i.params)).toEqual([
      { attempt: 1, status: 'failed', detail: expect.stringMatching(/silent/), settled: true },
      { attempt: 1, status: 'delivered', detail: null, settled: true },
      { attempt: 2, status: 'failed', detail: 'superseded: attempt 1 was delivered', settled: true },
    ]);
  });

  it('cancels from any open state with one final receipt', () => {
    const r = run(input(), [start(0, []), { type: 'CANCEL', at: 1 }, { type: 'CANCEL', at: 2 }]);
    expect(r.statuses).toEqual(['queued', 'cancelled']);
  });

  it('reports an unchanged step for an event that does nothing', () => {
    const r = run(input(), [start()]);
    const step = stepDelivery(r.stored, { type: 'ACCEPTED', at: 1, attempt: 5, deliveryTimeoutMs: 1 });
    expect(step.changed).toBe(false);
    expect(step.intents).toEqual([]);
  });
});

describe('stored snapshots (golden)', () => {
  // A machine change that would strand stored deliveries must fail here: bump the version and
  // write the upgrade (upgradeStored) instead of editing these fixtures.
  // A v3 snapshot as the store wrote it (before `noReceipts`): typed as stored, not as today's context.
  const golden = {
    version: 3,
    value: 'sent',
    context: {
      channels: ['public', 'pdt'],
      terminalOf: { public: 'public', pdt: 'pdt' },
      ackRequired: true,
      ackWithinMs: 600000,
      expiresAt: 3600000,
      retryBaseMs: 30000,
      retryMaxMs: 300000,
      dead: [],
      round: ['public'],
      attempt: 1,
      channel: 'public',
      cycle: 0,
      backoffs: 0,
      reached: false,
      sent: true,
      openAttempt: 1,
      detail: null,
      epochs: { ttl: 1, delivery: 1, ack: 0, retry: 0 },
    },
  } as unknown as StoredDelivery;
  const { sent: _sent, openAttempt: _open, ...v1context } = golden.context;
  const older = (version: 1 | 2, value: string, over: Record<string, unknown> = {}) =>
    ({ version, value, context: { ...v1context, ...(version === 2 ? { sent: true } : {}), ...over } }) as unknown as StoredDelivery;

  it('resumes a stored v3 snapshot in `sent`', () => {
    const step = stepDelivery(golden, { type: 'DELIVERED', at: 10, attempt: 1 });
    expect(step.stored.value).toBe('awaitingAnswer');
    expect(step.intents).toContainEqual({ type: 'armTimer', params: { name: 'ack', epoch: 1, dueAt: 600010 } });
    expect(step.intents).toContainEqual({ type: 'attempt', params: { attempt: 1, status: 'delivered', detail: null, settled: true } });
  });

  it('keeps the context shape the store writes, once upgraded', () => {
    expect(Object.keys(createDelivery(golden.context).context).sort()).toEqual(Object.keys(upgradeStored(golden).context).sort());
  });

  it('upgrades a v3 snapshot: its attempt out waits for a receipt, as it did', () => {
    expect(upgradeStored(golden)).toMatchObject({ version: 4, value: 'sent', context: { noReceipts: false } });
    expect(stepDelivery(golden, { type: 'TIMER_FIRED', at: 60_000, name: 'delivery', epoch: 1, available: ['pdt'] }).stored.value).toBe('sending');
  });

  it('upgrades a v1 snapshot (no `sent` yet): sent, reached or past its first attempt counts as sent', () => {
    expect(upgradeStored(older(1, 'sent')).context.sent).toBe(true);
    expect(upgradeStored(older(1, 'queued', { attempt: 1 })).context.sent).toBe(false);
    expect(upgradeStored(older(1, 'sending', { attempt: 2 })).context.sent).toBe(true);
    expect(upgradeStored(older(1, 'delivered', { reached: true })).context.sent).toBe(true);
    const step = stepDelivery(older(1, 'queued', { attempt: 1 }), { type: 'REPLY', at: 1, channel: 'public', text: '1' });
    expect(step.changed).toBe(false);
    expect(stepDelivery(older(1, 'sent'), { type: 'REPLY', at: 1, channel: 'public', text: '1' }).stored).toMatchObject({ version: 4, value: 'acknowledged' });
  });

  it('upgrades a v2 snapshot: `delivered` awaits an answer, `done` is delivered, the attempt out is known', () => {
    expect(upgradeStored(older(2, 'delivered', { reached: true }))).toMatchObject({ version: 4, value: 'awaitingAnswer', context: { openAttempt: null } });
    expect(upgradeStored(older(2, 'done', { reached: true }))).toMatchObject({ version: 4, value: 'delivered' });
    expect(upgradeStored(older(2, 'sent', { attempt: 2 }))).toMatchObject({ version: 4, value: 'sent', context: { openAttempt: 2 } });
    expect(upgradeStored(older(2, 'queued', { attempt: 2 })).context.openAttempt).toBeNull();
    // A v2 delivery waiting for an answer escalates on its ack timer as before.
    const waiting = older(2, 'delivered', { reached: true, epochs: { ttl: 1, delivery: 1, ack: 1, retry: 0 } });
    const step = stepDelivery(waiting, { type: 'TIMER_FIRED', at: 700_000, name: 'ack', epoch: 1, available: ['pdt'] });
    expect(step.stored.value).toBe('sending');
    expect(step.stored.context.channel).toBe('pdt');
  });

  it('refuses a snapshot of another version', () => {
    expect(() => stepDelivery({ ...golden, version: 99 }, { type: 'CANCEL', at: 0 })).toThrow(/version 99/);
  });
});
