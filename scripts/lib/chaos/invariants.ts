import { ALLOWED_STATUS_CHANGES, AreaTree, CHANNEL_CATALOG, deliveryId, findRef, isBareAck, type DeliveryStatus, type Outage, type Person } from '@lifeline/domain';
import { gatewayKey } from '@lifeline/engine';
import type { Config } from '../../../apps/router/src/config/config.schema';
import { channelSpecs } from '../../../apps/router/src/config/load-config';
import type { DrillRun } from '../../../apps/router/src/drills/run-drill';
import type { ChaosCase } from './chaos-case';
import type { Observed } from './observer';

const HOUR = 3_600_000;
const MINUTE = 60_000;

interface Receipt {
  seq: number;
  at: number;
  status: DeliveryStatus;
  channel: string | null;
}

/**
 * The guarantees of CONTRACT.md section 7, checked from outside after a chaos run: from the
 * events a console would replay, the sends the gateways got, the replies they brought and the
 * outages injected. Returns one line per violation; none means the run kept every promise.
 */
export function checkInvariants(c: ChaosCase, config: Config, run: DrillRun, seen: Observed): string[] {
  const bad: string[] = [];
  const tree = new AreaTree(c.directory.areas);
  const specs = new Map(channelSpecs(config).map((s) => [s.id, s]));
  const people = new Map<string, Person>(c.directory.people.map((p) => [p.id, p]));
  const steps = new Map(c.scenario.timeline.flatMap((s) => ('order' in s ? [[s.name, s.order] as const] : [])));
  const mobile = new Set(config.relays.resources.map((r) => gatewayKey(r.channel, r.id)));

  bad.push(...checkStream(run.events));
  const replay = run.events.map((e) => canonical({ ...e.payload, seq: e.seq }));
  const live = seen.live.map((f) => canonical(f));
  if (replay.length !== live.length) bad.push(`live stream has ${live.length} events, replay ${replay.length}`);
  const firstDiff = replay.findIndex((r, i) => r !== live[i]);
  if (firstDiff >= 0) bad.push(`live stream differs from replay at seq ${firstDiff + 1}: live ${live[firstDiff]} replay ${replay[firstDiff]}`);

  const personsOf = new Map(run.orders.map((o) => [o.name, run.deliveries.filter((d) => d.orderName === o.name).map((d) => d.personId)]));
  const facts: OrderFacts[] = run.orders.map((o) => {
    const spec = steps.get(o.name)!;
    const ids = personsOf.get(o.name)!.map((p) => deliveryId(o.orderId, p));
    return { orderId: o.orderId, ackRequired: spec.ackRequired, deadline: o.acceptedAt + (spec.ttlS + config.graceS) * 1000, deliveryIds: ids };
  });
  const r = checkReceipts(run.events, facts);
  bad.push(...r.bad, ...countMismatches(seen.counts, r.counts));
  const { finalAt } = r;
  for (const o of run.orders) {
    const spec = steps.get(o.name)!;
    for (const personId of personsOf.get(o.name)!) {
      const id = deliveryId(o.orderId, personId);
      const list = r.receipts.get(id) ?? [];
      for (const x of list.filter((y) => y.status === 'acknowledged')) if (!answered(personId, o.ref, x.at)) bad.push(`${id}: acknowledged at ${iso(x.at)} with no reply from the person before`);
      const last = list[list.length - 1];
      if (last && last.status !== 'cancelled' && !list.some((y) => y.status === 'delivered' || y.status === 'acknowledged')) {
        const window = reachableWindow(people.get(personId)!, o.acceptedAt, o.acceptedAt + spec.ttlS * 1000, run.deliveries.length);
        if (window) bad.push(`${id}: never reached (${last.status}), yet ${window}`);
      }
    }
  }

  // --- sends: never on a channel down for the area, never after the delivery was final
  for (const s of seen.sends) {
    const done = finalAt.get(s.deliveryId);
    if (done !== undefined && Math.floor(s.at) > done) bad.push(`${s.deliveryId}: sent on ${s.channel} at ${iso(s.at)}, after its final receipt at ${iso(done)}`);
    if (mobile.has(s.gateway)) continue; // a relay brings its own power and backhaul
    const why = downBecause(s.channel, s.area, s.at);
    if (why) bad.push(`${s.deliveryId}: sent on ${s.channel} to ${s.area} at ${iso(s.at)} while ${why}`);
  }
  return bad;

  function answered(personId: string, ref: string, at: number): boolean {
    const person = people.get(personId)!;
    return seen.replies.some((r) => {
      const kind = specs.get(r.channel)?.terminal;
      return r.matched && Math.floor(r.at) <= at && kind !== undefined && person.terminals[kind] === r.from && (findRef(r.text).includes(ref) || isBareAck(r.text));
    });
  }

  function covers(o: Outage, area: string): boolean {
    return o.area === null || tree.isWithin(area, o.area);
  }

  /**
   * Why fixed sites of `channel` cannot serve `area` at `t`, strictly inside an outage; or null.
   * The outage model restated from the contract on purpose, not `OutageBoard`: a check must not
   * lean on the code it checks.
   */
  function downBecause(channel: string, area: string, t: number): string | null {
    const spec = specs.get(channel);
    for (const o of run.outages) {
      if (!covers(o, area) || !(o.startAt < t && (o.endAt === null || t < o.endAt))) continue;
      if (o.kind === 'network' && spec?.kind === 'public') return `network outage ${o.id} over ${o.area ?? 'everywhere'}`;
      if (o.kind === 'power' && spec?.batteryH != null && t > o.startAt + spec.batteryH * HOUR) return `power outage ${o.id}: batteries flat`;
      if (o.kind === 'gateway' && o.mode === 'down' && o.channel === channel) return `gateway outage ${o.id} (down)`;
    }
    return null;
  }

  /**
   * A stretch in [from, to) long enough for a fixed channel of the person to be clean (up, no
   * gateway fault) throughout: time for breakers to close, back-offs and timeouts to pass, and
   * every delivery of the run to go through that channel's rate. Described, or null.
   */
  function reachableWindow(person: Person, from: number, to: number, deliveries: number): string | null {
    for (const spec of specs.values()) {
      if (CHANNEL_CATALOG[spec.kind].reach === 'air' || !person.terminals[spec.terminal]) continue; // fixed channels only
      const need = 20 * MINUTE + (spec.acceptTimeoutS + spec.deliveryTimeoutS) * 1000 + (deliveries / spec.capacity.ratePerS) * 1000;
      const cuts = [from, to, ...run.outages.flatMap((o) => [o.startAt, o.endAt ?? to, ...(spec.batteryH != null ? [o.startAt + spec.batteryH * HOUR] : [])])]
        .filter((t) => t >= from && t <= to)
        .sort((a, b) => a - b);
      let cleanFrom: number | null = null;
      for (let i = 0; i < cuts.length - 1; i++) {
        const mid = (cuts[i] + cuts[i + 1]) / 2;
        const clean = !downBecause(spec.id, person.area, mid) && !faulted(spec.id, person.area, mid);
        if (clean && cleanFrom === null) cleanFrom = cuts[i];
        if (!clean) cleanFrom = null;
        if (cleanFrom !== null && cuts[i + 1] - cleanFrom >= need) return `${spec.id} was clean for ${Math.round((cuts[i + 1] - cleanFrom) / MINUTE)} min from ${iso(cleanFrom)}`;
      }
    }
    return null;
  }

  function faulted(channel: string, area: string, t: number): boolean {
    return run.outages.some((o) => o.kind === 'gateway' && o.channel === channel && covers(o, area) && o.startAt <= t && (o.endAt === null || t < o.endAt));
  }
}

/** What a checker must know of an order to judge its receipts. */
export interface OrderFacts {
  orderId: string;
  ackRequired: boolean;
  /** ttlS + grace after acceptance: every delivery is final by then. */
  deadline: number;
  deliveryIds: string[];
}

interface EventLike {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
}

/** `seq` runs 1, 2, 3... without a gap, across restarts too. */
export function checkStream(events: readonly EventLike[]): string[] {
  const bad: string[] = [];
  events.forEach((e, i) => e.seq !== i + 1 && bad.push(`seq gap: event ${i} has seq ${e.seq}, expected ${i + 1}`));
  return bad.slice(0, 5);
}

/**
 * Per delivery: exactly one final receipt, last, by the deadline, reached only through allowed
 * status changes. Also the counts by last status, per order, to compare with what the API says.
 */
export function checkReceipts(events: readonly EventLike[], orders: readonly OrderFacts[]) {
  const bad: string[] = [];
  const receipts = new Map<string, Receipt[]>();
  for (const e of events) {
    if (e.type !== 'receipt') continue;
    const p = e.payload as { deliveryId: string; status: DeliveryStatus; channel: string | null; at: string };
    let list = receipts.get(p.deliveryId);
    if (!list) receipts.set(p.deliveryId, (list = []));
    list.push({ seq: e.seq, at: Date.parse(p.at), status: p.status, channel: p.channel });
  }
  const finalAt = new Map<string, number>();
  const counts = new Map<string, Record<string, number>>();
  for (const o of orders) {
    const finals = new Set<DeliveryStatus>(['acknowledged', 'unanswered', 'expired', 'failed', 'cancelled', ...(o.ackRequired ? [] : (['delivered'] as const))]);
    const counted: Record<string, number> = {};
    counts.set(o.orderId, counted);
    for (const id of o.deliveryIds) {
      const list = receipts.get(id) ?? [];
      const last = list[list.length - 1];
      if (last) counted[last.status] = (counted[last.status] ?? 0) + 1;
      const nFinal = list.filter((r) => finals.has(r.status)).length;
      if (nFinal !== 1 || !last || !finals.has(last.status)) {
        bad.push(`${id}: ${nFinal} final receipts, last ${last?.status ?? 'none'}: ${list.map((r) => r.status).join(' > ')}`);
        continue;
      }
      finalAt.set(id, last.at);
      if (last.at > o.deadline) bad.push(`${id}: final ${last.status} at ${iso(last.at)}, after ttlS + grace (${iso(o.deadline)})`);
      let from: DeliveryStatus | 'new' = 'new';
      for (const r of list) {
        if (!ALLOWED_STATUS_CHANGES[from].includes(r.status)) bad.push(`${id}: receipt ${from} > ${r.status} (seq ${r.seq}) is not an allowed change`);
        from = r.status;
      }
    }
  }
  return { bad, receipts, finalAt, counts };
}

/** Orders whose counts by status, as the API reports them, differ from the events' counts. */
export function countMismatches(api: ReadonlyMap<string, Record<string, number>>, events: ReadonlyMap<string, Record<string, number>>): string[] {
  return [...events].flatMap(([orderId, counted]) => {
    const told = api.get(orderId) ?? {};
    return canonical(told) === canonical(counted) ? [] : [`order ${orderId}: the API counts ${canonical(told)}, the events ${canonical(counted)}`];
  });
}

/** JSON with sorted keys: two objects compare equal whatever order their keys were set in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}
