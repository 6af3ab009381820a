import { ALLOWED_STATUS_CHANGES, type DeliveryStatus } from '@lifeline/domain';
import { deliveryMachine } from './delivery.machine';
import { createDelivery, isFinalValue, statusOf, stepDelivery, type StoredDelivery } from './delivery.runner';
import type { DeliveryEvent, DeliveryInput } from './delivery.types';

/**
 * Every reachable transition of the delivery machine, walked breadth-first from a new delivery
 * with every kind of event (current, stale and bogus attempts and epochs, channels coming and
 * going), checked against the contract: each receipt is an allowed status change, the last one is
 * the status the state shows, a final state changes no more, and attempts settle only once. A
 * machine edit that breaks the contract fails here, in milliseconds, before the chaos suite.
 */
const EXPIRES = 3_600_000;

function input(over: Partial<DeliveryInput>): DeliveryInput {
  return {
    channels: ['public', 'drone', 'pdt'],
    terminalOf: { public: 'phone', drone: 'phone', pdt: 'radio' },
    ackRequired: true,
    ackWithinMs: 600_000,
    expiresAt: EXPIRES,
    retryBaseMs: 30_000,
    retryMaxMs: 300_000,
    ...over,
  };
}

/** Events worth trying on this snapshot: what could arrive now, right or wrong. */
function eventsFor(s: StoredDelivery, at: number): DeliveryEvent[] {
  const c = s.context;
  const all = c.channels;
  const availability = [all, [], all.slice(-1)];
  const attempts = [...new Set([c.attempt, c.attempt + 1, Math.max(0, c.attempt - 1)])];
  const out: DeliveryEvent[] = [
    ...availability.map((available) => ({ type: 'START' as const, at, available })),
    ...availability.map((available) => ({ type: 'CHANNEL_CHANGED' as const, at, available })),
    { type: 'REPLY', at, channel: 'public', text: '1' },
    { type: 'CANCEL', at },
  ];
  for (const attempt of attempts) {
    out.push({ type: 'ACCEPTED', at, attempt, deliveryTimeoutMs: 60_000 });
    out.push({ type: 'DELIVERED', at, attempt });
    for (const permanent of [false, true]) for (const available of [all, []]) out.push({ type: 'FAILED', at, attempt, permanent, reason: 'x', available });
    out.push({ type: 'SILENT', at, attempt, reason: 'x', available: all });
  }
  for (const name of ['ttl', 'delivery', 'ack', 'retry'] as const)
    for (const epoch of [c.epochs[name], c.epochs[name] - 1])
      out.push({ type: 'TIMER_FIRED', at: name === 'ttl' ? EXPIRES : at, name, epoch, available: all });
  return out;
}

function walk(start: DeliveryInput, depth: number) {
  const problems: string[] = [];
  const seenValues = new Set<string>();
  const changes = new Set<string>();
  const key = (s: StoredDelivery) => JSON.stringify([s.value, s.context]);
  let frontier: StoredDelivery[] = [createDelivery(start)];
  const visited = new Set(frontier.map(key));
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: StoredDelivery[] = [];
    for (const s of frontier) {
      seenValues.add(s.value);
      for (const e of eventsFor(s, (d + 1) * 1_000)) {
        const step = stepDelivery(s, e);
        const before = statusOf(s.value) ?? 'new';
        const where = `${s.value} (${before}) --${e.type}${'attempt' in e ? ` #${e.attempt}` : ''}${e.type === 'TIMER_FIRED' ? ` ${e.name}/${e.epoch}` : ''}-->`;
        if (isFinalValue(s.value)) {
          if (step.changed) problems.push(`${where} changed a final delivery`);
          continue;
        }
        if (!step.changed) continue;
        let status: DeliveryStatus | 'new' = before;
        for (const i of step.intents) {
          if (i.type === 'receipt') {
            if (!ALLOWED_STATUS_CHANGES[status].includes(i.params.status)) problems.push(`${where} ${step.stored.value}: receipt ${status} -> ${i.params.status} is not allowed`);
            changes.add(`${status}>${i.params.status}`);
            status = i.params.status;
          }
          if (i.type === 'attempt' && (i.params.attempt < 1 || i.params.attempt > step.stored.context.attempt)) problems.push(`${where} settles attempt ${i.params.attempt} of ${step.stored.context.attempt}`);
        }
        const shown = statusOf(step.stored.value);
        if (shown && status !== shown && status !== before) problems.push(`${where} ${step.stored.value} shows ${shown} but its last receipt says ${status}`);
        if (step.stored.context.openAttempt !== null && !['sending', 'sent'].includes(step.stored.value)) problems.push(`${where} ${step.stored.value} with attempt ${step.stored.context.openAttempt} still out`);
        const k = key(step.stored);
        if (!visited.has(k)) {
          visited.add(k);
          next.push(step.stored);
        }
      }
    }
    frontier = next;
  }
  return { problems, seenValues, changes, states: visited.size };
}

describe('the delivery lifecycle, every reachable transition', () => {
  it('keeps every receipt an allowed status change, with or without an answer asked', () => {
    const runs = [walk(input({}), 7), walk(input({ ackRequired: false }), 6), walk(input({ channels: [], terminalOf: {} }), 3)];
    expect(runs.flatMap((r) => r.problems).slice(0, 10)).toEqual([]);
    // The walk reached every state that can be stored (transient ones resolve within a step).
    const stored = new Set(runs.flatMap((r) => [...r.seenValues]));
    const reachable = Object.entries(deliveryMachine.states).filter(([, n]) => n.meta || n.config.initial === undefined).map(([k]) => k);
    for (const value of reachable.filter((v) => !['lost', 'escalating', 'expiredOrUnanswered'].includes(v))) expect(stored).toContain(value);
    expect(runs[0].states).toBeGreaterThan(1_000);
  });

  it('shows a contract status for every state that can be stored, and none for transient ones', () => {
    for (const [value, node] of Object.entries(deliveryMachine.states)) {
      const transient = Boolean(node.always?.length);
      if (value === 'new' || transient) expect(node.meta).toBeUndefined();
      else expect((node.meta as { status: string }).status).toBeDefined();
    }
  });
});
