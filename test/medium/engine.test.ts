import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReceiptFrame } from '@lifeline/contracts';
import { harness, noLoss, type Harness } from '../support/harness';
import { runSql } from '../support/test-store';

const VILLAGE = '330102001001';
const receipts = (h: Harness) => h.events<ReceiptFrame>('receipt');

describe('engine with simulated gateways (medium tier)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('delivers an order to a village over the public network and ends every delivery delivered', async () => {
    h = await harness({ tweak: noLoss });
    const accepted = await h.order({ to: { areas: [VILLAGE] } });
    expect(accepted.deliveries).toBeGreaterThan(0);
    await h.advance(60_000);
    expect((await h.store.read.deliveries.countsByStatus(accepted.orderId))).toEqual({ delivered: accepted.deliveries });
    const channels = new Set((await receipts(h)).map((r) => r.channel));
    expect(channels).toEqual(new Set(['public']));
  });

  it('narrows areas by role', async () => {
    h = await harness({ tweak: noLoss });
    const heads = await h.order({ to: { areas: ['330102'], roles: ['village-head'] } });
    expect(heads.deliveries).toBe(4 * 6); // one head per village, 4 towns x 6 villages
  });

  it('falls back to the 370MHz network when the public gateway is gone, and on to satellite', async () => {
    h = await harness({ tweak: noLoss });
    h.sims.get('public')!.disconnect();
    h.sims.get('drone')!.disconnect();
    await h.core.settle();
    // A village head holds a mobile, a Tiantong phone and maybe a Beidou card, but no radio.
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['village-head'] } });
    await h.advance(60_000);
    const r = (await receipts(h)).filter((x) => x.orderId === a.orderId);
    expect(r.map((x) => x.channel)).toContain('tiantong');
    expect(r.at(-1)!.status).toBe('delivered');
  });

  it('waits queued when nothing reaches the person, and sends as soon as a channel comes back', async () => {
    h = await harness({ tweak: noLoss });
    for (const s of h.sims.values()) s.disconnect();
    await h.advance(h.config.engine.linkGraceS * 1000); // past the link grace: the gateways are gone, not blinking
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] } }); // mobile only
    await h.advance(10 * 60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ queued: 1 });
    expect((await receipts(h)).find((x) => x.status === 'queued')!.detail).toMatch(/waiting/);
    h.sims.get('public')!.connect(h.core.gateways);
    await h.advance(60_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 1 });
  });

  it('expires what never reached anyone by ttl, within the grace', async () => {
    h = await harness({ tweak: noLoss });
    for (const s of h.sims.values()) s.disconnect();
    await h.advance(h.config.engine.linkGraceS * 1000); // past the link grace: the gateways are gone, not blinking
    const a = await h.order({ to: { areas: [VILLAGE] }, ttlS: 600 });
    await h.advance(600_000 + h.config.graceS * 1000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ expired: a.deliveries });
  });

  it('ends an order that asks no answer delivered on a channel without receipts once its presumption time passed, saying so', async () => {
    const noReceipts = (presumeS: number | null) => (c: Parameters<typeof noLoss>[0]) => {
      noLoss(c);
      const pdt = c.channels.find((ch) => ch.id === 'pdt')!;
      pdt.simulator.receipts = false;
      pdt.presumeDeliveredS = presumeS;
    };
    const town = '330102001';
    for (const presumeS of [20, null]) {
      h = await harness({ tweak: noReceipts(presumeS) });
      for (const id of ['public', 'drone']) h.sims.get(id)!.disconnect();
      await h.advance(h.config.engine.linkGraceS * 1000);
      const a = await h.order({ to: { areas: [town], roles: ['town-official'] }, ackRequired: false });
      await h.advance(40_000);
      const counts = await h.store.read.deliveries.countsByStatus(a.orderId);
      if (presumeS === null) expect(counts).toEqual({ sent: a.deliveries }); // waits for a receipt that never comes
      else {
        expect(counts).toEqual({ delivered: a.deliveries });
        const last = (await receipts(h)).filter((r) => r.orderId === a.orderId && r.status === 'delivered');
        expect(last.every((r) => r.channel === 'pdt' && r.detail === 'delivered as presumed: the channel gives no delivery receipts')).toBe(true);
        await h.close(); // the second harness is closed by afterEach
      }
    }
  });

  it('closes 叫应 with a reply matched by ref, and escalates to the next channel when nobody answers', async () => {
    h = await harness({
      tweak: (c) => {
        noLoss(c);
        c.channels.forEach((ch) => (ch.simulator.replyProbability = 0));
      },
    });
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['village-head'] }, ackRequired: true, ackWithinS: 300, ttlS: 3600 });
    await h.advance(60_000);
    const head = (await receipts(h)).find((x) => x.orderId === a.orderId)!.personId;
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 1 });
    await h.advance(300_000); // no answer: escalate to the Tiantong phone
    const afterEscalation = (await receipts(h)).filter((x) => x.personId === head);
    expect(afterEscalation.some((x) => x.channel === 'tiantong' && x.status === 'sending' && /escalation 1/.test(x.detail ?? ''))).toBe(true);
    const phone = (await h.store.read.directory.person(head))!.terminals.tiantong!;
    h.sims.get('tiantong')!.reply(phone, `${a.ref} 收到`);
    await h.advance(1_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ acknowledged: 1 });
  });

  it('ends unanswered when reached but nobody answers by ttl', async () => {
    h = await harness({ tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: true, ackWithinS: 600, ttlS: 1200 });
    await h.advance(1_200_000 + 1_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ unanswered: 1 });
  });

  it('matches a bare "1" to the sender\'s most recent open delivery and ignores strangers', async () => {
    h = await harness({ tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const a = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: true });
    await h.advance(30_000);
    const person = (await h.store.read.directory.person((await receipts(h))[0].personId))!;
    expect(await h.core.reply('public', '13999999999', '1')).toBe(false);
    expect(await h.core.reply('public', person.terminals.public!, 'ZZZZ 1')).toBe(false); // names no open order
    await h.advance(1_000);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ delivered: 1 });
    expect(await h.core.reply('public', person.terminals.public!, '1')).toBe(true);
    // Committed by the time the reply is taken (the gateway is told so only then): no settling needed.
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ acknowledged: 1 });
  });

  it('gives a bare "1" to the order still waiting for it, not to a later one that needed no answer', async () => {
    h = await harness({ tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const waiting = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: true });
    await h.advance(30_000);
    const notice = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: false });
    await h.advance(30_000);
    expect((await h.store.read.deliveries.countsByStatus(waiting.orderId))).toEqual({ delivered: 1 }); // waits for its answer
    expect((await h.store.read.deliveries.countsByStatus(notice.orderId))).toEqual({ delivered: 1 }); // done
    // The metrics' open counts hold only the one still waiting.
    expect((await h.store.read.deliveries.openCounts()).reduce((n, r) => n + r.n, 0)).toBe(1);
    const person = (await h.store.read.directory.person((await receipts(h))[0].personId))!;
    expect(await h.core.reply('public', person.terminals.public!, '1')).toBe(true);
    await h.advance(1_000);
    expect((await h.store.read.deliveries.countsByStatus(waiting.orderId))).toEqual({ acknowledged: 1 });
  });

  it('gives a bare "1" to the order the person got, not to a newer one whose send is still under way', async () => {
    h = await harness({ tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const got = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: true });
    await h.advance(30_000);
    expect((await h.store.read.deliveries.countsByStatus(got.orderId))).toEqual({ delivered: 1 });
    h.sims.get('public')!.mode = 'down'; // takes the next send and says nothing: it stays under way
    const underWay = await h.order({ to: { areas: [VILLAGE], roles: ['grid-worker'] }, ackRequired: true });
    await h.advance(100);
    expect((await h.store.read.deliveries.countsByStatus(underWay.orderId))).toEqual({ sending: 1 });
    const person = (await h.store.read.directory.person((await receipts(h))[0].personId))!;
    expect(await h.core.reply('public', person.terminals.public!, '1')).toBe(true);
    expect((await h.store.read.deliveries.countsByStatus(got.orderId))).toEqual({ acknowledged: 1 });
  });

  it('sends a flash order to one person before a routine order to everyone on a slow channel', async () => {
    h = await harness({ tweak: noLoss, simulators: ['pdt'] });
    const sent: string[] = [];
    h.core.sent$.subscribe(({ item }) => sent.push(item.orderId));
    const routine = await h.order({ priority: 'routine', to: { areas: ['330102001'] } }); // one town: one pdt site
    await h.core.settle();
    const flash = await h.order({ priority: 'flash', to: { areas: [VILLAGE], roles: ['militia'] } });
    await h.advance(5_000);
    const flashAt = sent.indexOf(flash.orderId);
    // The town's site takes 10 a second: the first burst left already, the flash order goes next.
    expect(flashAt).toBe(10);
    expect(sent.slice(flashAt + 1)).toContain(routine.orderId);
  });

  it('fails a person whose every terminal is rejected permanently', async () => {
    h = await harness({ tweak: noLoss });
    const person = (await h.store.read.directory.people(1000)).find((p) => p.roles.includes('grid-worker'))!;
    await runSql(h.store, 'UPDATE people SET terminals = ? WHERE id = ?', JSON.stringify({ public: '10012345678' }), person.id);
    const a = await h.order({ to: { people: [person.id] } });
    await h.advance(10_000);
    const last = (await receipts(h)).filter((x) => x.orderId === a.orderId).at(-1)!;
    expect(last.status).toBe('failed');
    expect(last.detail).toMatch(/rejected permanently/);
  });

  it('cancels every open delivery of an order with one final receipt each', async () => {
    h = await harness({ tweak: noLoss });
    for (const s of h.sims.values()) s.disconnect();
    await h.advance(h.config.engine.linkGraceS * 1000); // past the link grace: the gateways are gone, not blinking
    const a = await h.order({ to: { areas: ['330102001'] } });
    await h.advance(1_000);
    const n = await h.core.orders.cancel({ id: 'x', role: 'admin', areas: null, channel: null }, a.orderId);
    await h.core.settle();
    expect(n).toBe(a.deliveries);
    expect((await h.store.read.deliveries.countsByStatus(a.orderId))).toEqual({ cancelled: a.deliveries });
    const finals = (await receipts(h)).filter((x) => x.orderId === a.orderId && x.status === 'cancelled');
    expect(finals).toHaveLength(a.deliveries);
    expect((await h.store.read.orders.get(a.orderId))!.open_count).toBe(0);
  });

  it('sends nothing more for an order once its cancel committed, whatever happens to its deliveries before the walk reaches them', async () => {
    h = await harness({ tweak: noLoss });
    const a = await h.order({ priority: 'routine', to: { areas: ['330102'] } }); // started in batches, as the dispatcher drains
    await h.advance(200);
    // The moment after the cancel's commit, before its walk: every delivery's next event ends it.
    await runSql(h.store, 'UPDATE orders SET cancelled = 1 WHERE id = ?', a.orderId);
    h.core.engine.orderCancelled(a.orderId);
    const after: string[] = [];
    h.core.sent$.subscribe(({ item }) => item.orderId === a.orderId && after.push(item.attemptId));
    await h.advance(3_600_000 + 120_000);
    expect(after).toEqual([]);
    const counts = await h.store.read.deliveries.countsByStatus(a.orderId);
    expect(Object.keys(counts).filter((s) => !['cancelled', 'delivered'].includes(s))).toEqual([]); // delivered: receipts of sends already out
  });

  it('finishes at the next start a cancel whose walk a crash cut short: nothing of the order is sent again', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lifeline-')), 'cancel.db');
    const tweak = (c: Parameters<typeof noLoss>[0]) => {
      noLoss(c);
      c.channels.forEach((ch) => (ch.simulator.deliverMs = [60_000, 60_000])); // sends stay in flight
    };
    h = await harness({ db, tweak });
    const a = await h.order({ to: { areas: ['330102001'] } });
    await h.advance(500);
    await runSql(h.store, 'UPDATE orders SET cancelled = 1 WHERE id = ?', a.orderId); // committed; the walk never ran
    const clockAt = h.clock.now();
    await h.close();
    h = await harness({ db, tweak, clockAt });
    await h.core.settle();
    expect(await h.store.read.deliveries.countsByStatus(a.orderId)).toEqual({ cancelled: a.deliveries });
    // The sends that were in flight are not sent again by the new run (as they would be otherwise).
    expect([...h.sims.values()].reduce((n, sim) => n + sim.stats.received, 0)).toBe(0);
    expect((await h.store.read.orders.get(a.orderId))!.open_count).toBe(0);
  });

  it('returns the same order for a repeated clientRef and creates nothing new', async () => {
    h = await harness({ tweak: noLoss });
    const first = await h.order({ to: { areas: [VILLAGE] } }, 'same-ref');
    const again = await h.order({ to: { areas: ['330102'] } }, 'same-ref');
    expect(again.orderId).toBe(first.orderId);
    expect(again.replayed).toBe(true);
    expect((await h.store.read.orders.list('all'))).toHaveLength(1);
  });

  it('trips the breaker on a silent gateway: falls back, marks the channel down there, and probes later', async () => {
    h = await harness({ tweak: noLoss });
    h.sims.get('public')!.mode = 'down'; // takes sends, answers nothing
    const a = await h.order({ to: { areas: ['330102001'] } }); // a town: staff with radios, villagers with phones
    await h.advance(31_000); // past public's 30 s accept timeout
    const channelEvents = (await h.events('channel'));
    expect(channelEvents).toContainEqual(expect.objectContaining({ channel: 'public', area: '330102001', state: 'down' }));
    const r = (await receipts(h)).filter((x) => x.orderId === a.orderId);
    expect(r.some((x) => x.status === 'sending' && x.channel === 'pdt' && /public silent/.test(x.detail ?? ''))).toBe(true);
    // After the back-off the breaker lets a probe through: the channel is degraded, not down.
    await h.advance(30_000);
    expect(h.core.channelStates()).toContainEqual(expect.objectContaining({ channel: 'public', area: '330102001', state: 'degraded' }));
  });

  it('reaches people through a drone cell only where and while it covers', async () => {
    const droneOverCounty = (c: Parameters<typeof noLoss>[0]) => {
      noLoss(c);
      c.channels.find((ch) => ch.id === 'drone')!.simulator.coverage = { areas: ['330104'], forS: 18_000 };
    };
    h = await harness({ tweak: droneOverCounty });
    h.sims.get('public')!.disconnect();
    await h.core.settle();
    const inside = await h.order({ to: { areas: ['330104001001'], roles: ['grid-worker'] } }); // covered county
    const outside = await h.order({ to: { areas: ['330102001001'], roles: ['grid-worker'] } });
    await h.advance(60_000);
    expect((await h.store.read.deliveries.countsByStatus(inside.orderId))).toEqual({ delivered: 1 });
    expect((await receipts(h)).find((x) => x.orderId === inside.orderId && x.status === 'delivered')!.channel).toBe('drone');
    expect((await h.store.read.deliveries.countsByStatus(outside.orderId))).toEqual({ queued: 1 });
    await h.advance(5 * 3_600_000); // the drone leaves after ~5 h on station
    expect(h.core.channelStates()).toContainEqual(expect.objectContaining({ channel: 'drone', area: '330104', state: 'down' }));
  });

  it('hands consoles every event once and in seq order, lanes committing at the same time (PostgreSQL) or not', async () => {
    // Jobs of one event: each lane commits many in a row, so one begins while another lane's waits.
    h = await harness({ tweak: (c) => (noLoss(c), Object.assign(c.engine, { eventBatch: 1, startBatch: 1 })) });
    // Lane 0's commits answered late, after a job of another lane that began meanwhile (so it
    // committed later, with higher seqs): their events reach the router before lane 0's, as a
    // slow answer from the database would have it.
    let held: (() => void)[] = [];
    let overtaken = 0;
    const writeIn = h.store.writeIn.bind(h.store);
    h.store.writeIn = (async (lane, job, urgent) => {
      const waiting = lane === 0 ? null : [...held];
      const result = await writeIn(lane, job, urgent);
      if (waiting) {
        const overtake = waiting.filter((r) => held.includes(r));
        held = held.filter((r) => !overtake.includes(r));
        overtaken += overtake.length;
        setImmediate(() => overtake.forEach((r) => r())); // once this job's events went out
        return result;
      }
      await new Promise<void>((r) => {
        held.push(r);
        setTimeout(() => held.includes(r) && ((held = held.filter((x) => x !== r)), r()), 20); // no other lane came
      });
      return result;
    }) as typeof h.store.writeIn;
    const live: number[] = [];
    h.core.events$.subscribe((e) => live.push(e.frame.seq));
    const a = await h.order({ to: { areas: ['330102'] }, ackRequired: false });
    await h.advance(600_000);
    expect(await h.store.read.deliveries.countsByStatus(a.orderId)).toEqual({ delivered: a.deliveries });
    const stored = (await h.store.read.events.since(live[0] - 1, 100_000)).map((e) => e.seq);
    expect(live.length).toBeGreaterThan(a.deliveries * 2); // sending, sent, delivered for each
    expect(live).toEqual(stored); // each once, in seq order, none missing
    if (h.store.lanes > 1) expect(overtaken).toBeGreaterThan(0);
  });

  it('resumes after a restart from rows alone: timers, sends in flight, unstarted deliveries', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lifeline-')), 'resume.db');
    h = await harness({ db, tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    const a = await h.order({ to: { areas: ['330102'] }, ackRequired: true, ackWithinS: 300, ttlS: 900 });
    await h.advance(500); // some sending, some sent, none final
    const clockAt = h.clock.now();
    await h.close();
    h = await harness({ db, tweak: (c) => { noLoss(c); c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)); } });
    await h.clock.advanceTo(clockAt, () => h.core.settle());
    await h.advance(900_000 + 60_000);
    const counts = (await h.store.read.deliveries.countsByStatus(a.orderId));
    expect(Object.keys(counts)).toEqual(['unanswered']);
    expect(counts.unanswered).toBe(a.deliveries);
  }, 180_000); // a county's order through 16 minutes of virtual time: 15 s on PostgreSQL here, over 60 s on a loaded CI machine
});

describe('叫应 means the person saw the order', () => {
  it('does not let an answer acknowledge a delivery that was never sent to the person', async () => {
    const h = await harness({ tweak: noLoss });
    try {
      for (const s of h.sims.values()) s.disconnect();
      await h.advance(h.config.engine.linkGraceS * 1000); // past the link grace: the gateways are gone
      const a = await h.order({ to: { people: ['p-000001'] }, ackRequired: true, ackWithinS: 300 });
      await h.advance(1_000);
      const id = `${a.orderId}:p-000001`;
      expect((await h.store.read.deliveries.load([id])).get(id)!.status).toBe('queued');
      const phone = (await h.store.read.deliveries.load([id])).get(id)!.terminals.public!;
      // A bare "1" and an answer with the ref, from the person's own phone: neither counts.
      expect(await h.core.reply('public', phone, '1')).toBe(false);
      expect(await h.core.reply('public', phone, `${a.ref} 收到`)).toBe(false);
      await h.advance(1_000);
      expect((await h.store.read.deliveries.load([id])).get(id)!.status).toBe('queued');
      // Once it went out, the same answer closes 叫应.
      h.sims.get('public')!.connect(h.core.gateways);
      await h.advance(60_000);
      expect(await h.core.reply('public', phone, '1')).toBe(true);
      await h.advance(1_000);
      expect((await h.store.read.deliveries.load([id])).get(id)!.status).toBe('acknowledged');
    } finally {
      await h.close();
    }
  });
});

describe('unstarted deliveries past their deadline', () => {
  it('expire at their deadline, not at some later beat, while the starter waits for the dispatcher', async () => {
    const h = await harness({
      tweak: (c) => {
        noLoss(c);
        Object.assign(c.engine, { dispatchHighWater: 10, startBatch: 5 });
        c.channels.forEach((ch) => (ch.capacity = { ...ch.capacity, ratePerS: 0.001, burst: 1 }));
      },
    });
    try {
      const a = await h.order({ to: { areas: ['330102'] }, ttlS: 65 });
      await h.advance(1_000);
      const unstarted = (await h.store.read.deliveries.ofOrder(a.orderId)).filter((d) => d.machine === null).length;
      expect(unstarted).toBeGreaterThan(0); // the starter is waiting: these never started
      await h.advance(64_000 + 1);
      const counts = (await h.store.read.deliveries.countsByStatus(a.orderId));
      expect(Object.keys(counts).filter((s) => s !== 'expired' && s !== 'delivered')).toEqual([]);
      expect(counts.expired).toBeGreaterThanOrEqual(unstarted);
    } finally {
      await h.close();
    }
  });
});
