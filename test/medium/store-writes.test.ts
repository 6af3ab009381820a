import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StepWrites } from '@lifeline/engine';
import type { StoredDelivery } from '@lifeline/machines';
import type { Person } from '@lifeline/domain';
import type { AttemptRow, Delivery, Storage } from '@lifeline/store';
import { ON_POSTGRES, openTestStore, querySql, runSql, sqliteOf } from '../support/test-store';

/**
 * The write path's batching (medium tier, a real SQLite file or PostgreSQL schema): what a job's steps stand for reaches
 * the tables as its net effect, whatever the statements look like underneath.
 */
describe('the store under batched writes', () => {
  let dir: string;
  let store: Storage;
  let close: () => Promise<void>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-writes-'));
    ({ store, close } = await openTestStore(ON_POSTGRES ? undefined : join(dir, 'db.sqlite')));
  });
  afterEach(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertDeliveries = async (n: number, rank = (_i: number) => 3) => {
    for (let i = 0; i < n; i++)
      await runSql(
        store,
          `INSERT INTO deliveries (id, order_id, person_id, area, area_path, terminals, priority_rank, expires_at, status, machine, channel, attempt, updated_at)
           VALUES (?, 'o1', ?, 'a', '/a/', '{}', ?, 0, 'new', NULL, NULL, 0, 0)`,
          `o1:p${String(i).padStart(4, '0')}`, `p${i}`, rank(i),
      );
  };
  const attempt = (id: string, status = 'sending'): AttemptRow => ({ id, delivery_id: id.split('#')[0], attempt: 1, channel: 'public', area: 'a', address: '138', status, at: 1, detail: null });
  const timers = () => querySql<{ delivery_id: string; name: string; epoch: number }>(store, 'SELECT delivery_id, name, epoch FROM timers ORDER BY delivery_id, name');
  const flush = (w: StepWrites) => store.write(async (tx) => (await w.flushRows(tx), await w.flushEvents(tx)));

  it('keeps only the net effect of a job on timers: armed then cancelled leaves no row', async () => {
    const w = new StepWrites();
    w.armTimer('d1', 'ttl', 1, 100);
    w.armTimer('d1', 'delivery', 1, 50);
    w.cancelTimers('d1');
    w.armTimer('d2', 'ttl', 1, 100);
    w.armTimer('d2', 'ttl', 2, 200); // re-armed in the same job: the later epoch wins
    await flush(w);
    expect(await timers()).toEqual([{ delivery_id: 'd2', name: 'ttl', epoch: 2 }]);
    w.cancelTimers('d2');
    w.armTimer('d2', 'ack', 1, 300); // cancelled, then armed: the new timer stays
    await flush(w);
    expect(await timers()).toEqual([{ delivery_id: 'd2', name: 'ack', epoch: 1 }]);
  });

  it('writes an attempt once with its last status, and still applies an update to a row that existed', async () => {
    const w = new StepWrites();
    w.insertAttempt(attempt('d1#1'));
    w.insertAttempt(attempt('d3#1'));
    await flush(w);
    w.updateAttempt('d1#1', 'sent', 2, null);
    w.updateAttempt('d1#1', 'delivered', 3, null);
    w.insertAttempt(attempt('d2#1'));
    w.updateAttempt('d2#1', 'failed', 4, 'superseded');
    w.insertAttempt(attempt('d3#1')); // a repeated insert keeps the row, and the update still lands
    w.updateAttempt('d3#1', 'acknowledged', 5, 'reply: 1');
    await flush(w);
    expect((await store.read.attempts.get('d1#1'))).toMatchObject({ status: 'delivered', at: 3 });
    expect((await store.read.attempts.get('d3#1'))).toMatchObject({ status: 'acknowledged', at: 5, detail: 'reply: 1' });
    expect((await store.read.attempts.get('d2#1'))).toMatchObject({ status: 'failed', at: 4, detail: 'superseded' });
  });

  it('updates many attempts, each with its own values, past one statement\'s thousand rows; a repeated id ends as its last update', async () => {
    const ids = Array.from({ length: 1_205 }, (_, i) => `o1:p${i}#1`);
    await store.write((tx) => tx.attempts.insertMany(ids.map((id) => attempt(id))));
    const updates = ids.map((id, i) => ({ id, status: i % 2 ? 'sent' : 'delivered', at: 1_000 + i, detail: i % 3 ? null : `d${i}` }));
    updates.push({ id: ids[0], status: 'failed', at: 9, detail: 'last' }, { id: ids[1_204], status: 'acknowledged', at: 10, detail: null });
    await store.write((tx) => tx.attempts.updateMany(updates));
    const rows = new Map((await querySql<AttemptRow>(store, 'SELECT id, status, at, detail FROM attempts')).map((r) => [r.id, r]));
    expect(rows.get(ids[0])).toMatchObject({ status: 'failed', at: 9, detail: 'last' });
    expect(rows.get(ids[1_204])).toMatchObject({ status: 'acknowledged', at: 10, detail: null });
    for (let i = 1; i < 1_204; i++) expect(rows.get(ids[i])).toMatchObject({ status: i % 2 ? 'sent' : 'delivered', at: 1_000 + i, detail: i % 3 ? null : `d${i}` });
  });

  it('reads the audit entries by or about some tokens, however many tokens are named', async () => {
    const entry = (actorId: string, subject: string | null) => ({ at: 1, actorId, actorName: actorId, actorRole: 'admin', address: null, action: 'token.create', subject, detail: {} });
    await store.write(async (tx) => {
      for (const e of [entry('city', 'tok-county'), entry('tok-county', 'tok-town'), entry('city', 'tok-other'), entry('system', null)]) await tx.audit.append(e);
    });
    const of = async (involving: string[]) => (await store.read.audit.page({ limit: 10, order: 'asc', involving })).map((e) => `${e.actorId}>${e.subject}`);
    expect(await of(['tok-county', 'tok-town'])).toEqual(['city>tok-county', 'tok-county>tok-town']);
    expect(await of([])).toEqual([]);
    const many = [...Array.from({ length: 20_000 }, (_, i) => `tok-${i}`), 'tok-other']; // past SQLite's parameter limit
    expect(await of(many)).toEqual(['city>tok-other']);
  });

  it('gives a job\'s receipts gapless seqs in the order they were made, across multi-row inserts', async () => {
    const w = new StepWrites();
    const before = (await store.read.events.maxSeq());
    const seqs: number[] = [];
    for (let i = 0; i < 250; i++) w.appendEvent({ type: 'receipt', at: i, orderId: 'o1', areaPath: '/a/', payload: { type: 'receipt', n: i } }, (seq) => (seqs[i] = seq));
    await flush(w);
    expect(seqs).toEqual(Array.from({ length: 250 }, (_, i) => before + 1 + i));
    const stored = (await store.read.events.since(before, 1_000));
    expect(stored.map((e) => e.payload.n)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('saves many deliveries, each with its own machine, past one statement\'s hundred rows', async () => {
    await insertDeliveries(250);
    const ds: Delivery[] = (await store.read.deliveries.ofOrder('o1'));
    ds.forEach((d, i) => {
      d.status = i % 2 ? 'sent' : 'sending';
      d.channel = 'public';
      d.attempt = i;
      d.machine = { version: 1, value: d.status, context: { attempt: i } } as unknown as StoredDelivery;
    });
    await store.write((s) => s.deliveries.saveMany(ds, 42));
    const back = (await store.read.deliveries.ofOrder('o1'));
    expect(back).toHaveLength(250);
    back.forEach((d, i) => expect(d).toMatchObject({ status: i % 2 ? 'sent' : 'sending', channel: 'public', attempt: i, machine: { value: d.status, context: { attempt: i } } }));
  });

  it('starts new deliveries highest priority first from the index of new deliveries only', async () => {
    await insertDeliveries(10, (i) => [3, 0, 2, 1][i % 4]);
    const ranks = (ids: string[]) => ids.map((id) => Number(id.slice(-4)) % 4).map((k) => [3, 0, 2, 1][k]);
    expect(ranks((await store.read.deliveries.nextNew(10)))).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3, 3]);
    expect(ranks((await store.read.deliveries.nextNew(4)))).toEqual([0, 0, 0, 1]);
    await runSql(store, "UPDATE deliveries SET status = 'sending' WHERE priority_rank = 0");
    expect(ranks((await store.read.deliveries.nextNew(3)))).toEqual([1, 1, 2]);
    if (ON_POSTGRES) return; // the plan below is SQLite's
    const plan = sqliteOf(store).db.sql.all<{ detail: string }>("EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE status = 'new' AND priority_rank = ? LIMIT ?", 0, 1);
    expect(plan.map((p) => p.detail).join(' ')).toContain('deliveries_new_rank');
  });

  it('carries hostile text through the bulk statements byte for byte (PostgreSQL: arrays of each column)', async () => {
    // What an array literal would trip on if hand-built: quotes, braces, commas, backslashes, the
    // word NULL, a real null, newlines, characters outside the BMP, and more than a statement's rows.
    const hostile = ['a"b', '{x,y}', 'back\\slash', 'NULL', '', "it's", 'line\nbreak', '𠀀😀', ' lead and trail ', '\u0001'];
    const people = Array.from({ length: 1_100 }, (_, i): Person => ({
      id: `p-${i}`, name: hostile[i % hostile.length], area: '330100', roles: [hostile[(i + 1) % hostile.length] || 'r'],
      terminals: { public: `1${String(i).padStart(10, '0')}` }, ...(i % 2 ? { location: [120.1 + i / 1e6, 28.5] as [number, number] } : {}),
    }));
    await store.write((tx) => tx.directory.replace([{ code: '330100', name: '临海市{"}', parent: null }], people));
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1_099]) {
      const p = await store.read.directory.person(`p-${i}`);
      expect(p).toMatchObject({ name: people[i].name, roles: people[i].roles, terminals: people[i].terminals });
      expect(p?.location).toEqual(people[i].location);
    }
    expect((await store.read.directory.areas())[0].name).toBe('临海市{"}');
    const w = new StepWrites();
    w.appendEvent({ type: 'receipt', at: 1, orderId: 'o{1}', areaPath: '/"a"/', payload: { detail: hostile.join('|') } }, () => undefined);
    await flush(w);
    const [e] = await store.read.events.since(0, 1);
    expect(e).toMatchObject({ orderId: 'o{1}', areaPath: '/"a"/', payload: { detail: hostile.join('|') } });
  });
});
