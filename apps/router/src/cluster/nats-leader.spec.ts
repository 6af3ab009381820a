import { RequestError } from '@lifeline/engine';
import { NEVER, of, throwError, type Observable } from 'rxjs';
import type { BusLink } from './bus-link';
import { NatsLeader } from './nats-leader';

const P = { id: 'tok-1', role: 'console', areas: null, channel: null, address: '10.0.0.7' } as const;
const HASH = 'a'.repeat(64);
const spec = { priority: 'flash', to: { areas: ['330102'] }, body: '立即转移', ackRequired: false, ttlS: 600 } as never;

function leaderAnswering(answer: () => Observable<unknown>, connected = true, tokenHashes = (p: { id: string }) => (p.id === P.id ? HASH : null)) {
  const asked: [string, unknown][] = [];
  const client = { send: (subject: string, data: unknown) => (asked.push([subject, data]), answer()) };
  return { leader: new NatsLeader({ client, connected } as unknown as BusLink, 60, 15, tokenHashes), asked };
}

async function refusal(p: Promise<unknown>): Promise<RequestError> {
  const e = await settled(p).then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(RequestError);
  return e as RequestError;
}

/** Runs `p` on the fake clock until it settles (the leader asks again every 15 ms and gives up after 60). */
async function settled<T>(p: Promise<T>, ms = 100): Promise<T> {
  const outcome = p.then((v) => ({ v }), (e: unknown) => ({ e }));
  await jest.advanceTimersByTimeAsync(ms);
  const r = await outcome;
  if ('e' in r) throw r.e;
  return r.v;
}

describe('a follower asking the active node', () => {
  // The clock is injected: the resends and the timeout are exact, whatever the machine's load.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("passes the order on with the sha256 of the client's own token and returns what the active node committed", async () => {
    const accepted = { orderId: 'o-1', ref: 'A7K2', deliveries: 24, seq: 9, replayed: false };
    const { leader, asked } = leaderAnswering(() => of({ ok: true, value: accepted }));
    await expect(settled(leader.accept(P, 'ref-1', spec))).resolves.toEqual(accepted);
    expect(asked).toEqual([['lifeline.orders.accept', { tokenHash: HASH, address: '10.0.0.7', clientRef: 'ref-1', order: spec }]]);
  });

  it('sends nothing for a principal whose token it does not hold: the active node would have nothing to check', async () => {
    const { leader, asked } = leaderAnswering(() => of({ ok: true, value: 1 }));
    expect((await refusal(leader.cancel({ ...P, id: 'tok-2' }, 'o-1'))).code).toBe('forbidden');
    expect(asked).toEqual([]);
  });

  it("passes the active node's refusal on with its code and issues", async () => {
    const issues = [{ path: 'order.to.areas.0', message: 'area 1 is not within', code: 'out_of_scope' }];
    const { leader } = leaderAnswering(() => of({ ok: false, error: { code: 'out_of_scope', message: 'outside', issues } }));
    const e = await refusal(leader.accept(P, 'ref-1', spec));
    expect([e.code, e.issues]).toEqual(['out_of_scope', issues]);
  });

  it('refuses an order the bus cannot carry whole, without sending it', async () => {
    const { leader, asked } = leaderAnswering(() => of({ ok: true, value: 1 }));
    const big = { ...(spec as object), body: '字'.repeat(400_000) } as never;
    expect((await refusal(leader.accept(P, 'ref-1', big))).code).toBe('too_large');
    expect(asked).toEqual([]);
  });

  it('asks again while nobody answers (a takeover under way), taking the first answer', async () => {
    const accepted = { orderId: 'o-1', ref: 'A7K2', deliveries: 24, seq: 9, replayed: true };
    let n = 0;
    const { leader, asked } = leaderAnswering(() => (++n < 3 ? (n === 1 ? NEVER : throwError(() => new Error('disconnected'))) : of({ ok: true, value: accepted })));
    const answer = leader.accept(P, 'ref-1', spec).then((v) => ({ v, at: Date.now() }));
    const start = Date.now();
    await jest.advanceTimersByTimeAsync(100);
    const { v, at } = await answer;
    expect(v).toEqual(accepted);
    expect(at - start).toBe(30); // the third try, 15 ms after the second
    expect(asked).toHaveLength(3);
    expect(new Set(asked.map((a) => JSON.stringify(a))).size).toBe(1); // the same request each time
  });

  it('says why while the bus is out of reach (for /health)', () => {
    expect(leaderAnswering(() => NEVER, false).leader.failure).toMatch(/bus \(NATS\) is out of reach/);
    expect(leaderAnswering(() => NEVER, true).leader.failure).toBeNull();
  });

  it('refuses at once, sending nothing, while the bus is out of reach: there is nobody to ask', async () => {
    const { leader, asked } = leaderAnswering(() => NEVER, false);
    const e = await refusal(leader.accept(P, 'ref-1', spec));
    expect([e.code, asked]).toEqual(['not_active', []]);
  });

  it('says not_active, not invalid, when the active node could not read its message (a node of another version)', async () => {
    const { leader } = leaderAnswering(() => of({ ok: false, error: { code: 'invalid', message: 'invalid bus message: tokenId: Unrecognized key' } }));
    expect((await refusal(leader.accept(P, 'ref-1', spec))).code).toBe('not_active');
  });

  it('says not_active when nobody answers in time, the bus fails, or the answer is not one it reads', async () => {
    for (const answer of [() => NEVER, () => throwError(() => new Error('CONNECTION_REFUSED')), () => of({ ok: true, value: { orderId: 1 } }), () => of('junk'), () => of({ ok: false, error: { code: 'made_up', message: 'x' } })]) {
      const { leader } = leaderAnswering(answer);
      expect((await refusal(leader.accept(P, 'ref-1', spec))).code).toBe('not_active');
    }
  });
});
