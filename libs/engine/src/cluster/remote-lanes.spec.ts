import { VirtualClock } from '@lifeline/clock';
import { AreaTree, Reach, SILENT_LOG } from '@lifeline/domain';
import type { LaneGrant, LaneGrants, Repositories } from '@lifeline/store';
import type { DeliveryStepper } from '../delivery-stepper';
import { Tasks } from '../tasks';
import type { LaneJobMessage } from './lane-messages';
import { RemoteLanes, type LaneTransport } from './remote-lanes';

const OK = { ok: true, applied: 1, events: [], sends: [], drops: [], timersArmed: null, finals: 0 };
const READY = { ok: false, code: 'ready', message: 'ready' };
const JOB = { kind: 'start', limit: 10 } as const;

/** The active node's side, against a fake bus: `answer` answers jobs; probes are answered `ready` unless `probes` says otherwise. */
function setup(answer: (node: string, m: LaneJobMessage) => Promise<unknown> = async () => OK, probes: (node: string) => Promise<unknown> = async () => READY) {
  const clock = new VirtualClock(0);
  const reach = new Reach(new AreaTree([{ code: 'city', name: '市', parent: null }]));
  const sent: { node: string; message: LaneJobMessage }[] = [];
  const offers = ['node-b'];
  const transport: LaneTransport = {
    workers: () => offers,
    request: (node, message) => {
      if ('probe' in message) return probes(node);
      sent.push({ node, message });
      return answer(node, message);
    },
  };
  const granted: { lane: number; node: string }[] = [];
  let epoch = 0;
  const grants: LaneGrants = {
    grant: async (lane, node): Promise<LaneGrant> => {
      granted.push({ lane, node });
      return { lane, lanes: 2, node, epoch: ++epoch, key: 'k'.repeat(32), writerEpoch: 1 };
    },
  };
  const forgot = { n: 0 };
  const stepper = { forget: () => forgot.n++, sendOf: async () => null } as unknown as DeliveryStepper;
  const lanes = new RemoteLanes({ node: 'node-a', lanes: 2, transport, grants, reach, stepper, read: {} as Repositories, clock, tasks: new Tasks(SILENT_LOG), timeoutMs: 5_000, checkEveryMs: 1_000, coolDownMs: 30_000 });
  const takenBack: number[] = [];
  lanes.takenBack$.subscribe((l) => takenBack.push(l));
  /** One look at the offers (the first probes a new node, the next gives it a lane). */
  const look = async (ms = 1_000) => {
    await clock.advance(ms);
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { clock, reach, sent, offers, granted, forgot, lanes, look, takenBack };
}

/** Runs one job on `lane` as the engine does: enter, run (there or here), leave. */
async function runJob(lanes: RemoteLanes, lane: number): Promise<'here' | 'there'> {
  const t = await lanes.enter(lane);
  try {
    if (!t.remote) return 'here';
    await t.remote(JOB, 0);
    return 'there';
  } finally {
    t.leave();
  }
}

describe('RemoteLanes', () => {
  it('hands lane 1 to a node that offers and answers, and keeps lane 0; a job carries what the node lacks of the context', async () => {
    const { sent, granted, forgot, lanes, look, reach } = setup();
    expect(await runJob(lanes, 1)).toBe('here');
    await look();
    await look();
    expect(granted).toEqual([{ lane: 1, node: 'node-b' }]);
    expect(lanes.holders()).toEqual([null, 'node-b']);
    expect(forgot.n).toBe(1); // what was cached of lane 1 is stale from now on
    expect(await runJob(lanes, 0)).toBe('here');
    expect(await runJob(lanes, 1)).toBe('there');
    expect(await runJob(lanes, 1)).toBe('there');
    expect(sent[0].message).toMatchObject({ grant: { lane: 1, lanes: 2, node: 'node-b', epoch: 1 }, job: JOB, context: { from: 0, cancelled: [] } });
    expect(sent[0].message.context?.reach).toBeDefined();
    expect(sent[1].message.context).toBeUndefined();
    // An order cancelled: the next job brings it, and not the reach, which did not change.
    lanes.cancelled('o-9');
    await runJob(lanes, 1);
    expect(sent[2].message.context).toEqual({ from: 0, cancelled: ['o-9'] });
    // The channels changed: the next job carries the new reach, and no cancel again.
    reach.setCoverage('public', 'gw', ['city']);
    await runJob(lanes, 1);
    expect(sent[3].message.context).toEqual({ reach: { coverage: [['public', 'gw', ['city'], null, false]], states: [], fixedOnly: [] }, from: 1, cancelled: [] });
  });

  it('gives no lane to a node that offers but does not answer (anyone on the bus could offer)', async () => {
    const { granted, lanes, look } = setup(undefined, () => Promise.reject(new Error('Timeout has occurred')));
    for (let i = 0; i < 5; i++) await look();
    expect(granted).toEqual([]);
    expect(lanes.holders()).toEqual([null, null]);
  });

  it('moves a lane only once the jobs in flight on it are over', async () => {
    const { granted, lanes, look } = setup();
    await look(); // probed
    const inFlight = await lanes.enter(1);
    await look();
    expect(granted).toEqual([]); // the job here is not over: lane 1 stays
    const waiting = Promise.resolve(lanes.enter(1)); // and a new job waits for the move
    inFlight.leave();
    const next = await waiting;
    expect(granted).toEqual([{ lane: 1, node: 'node-b' }]);
    expect(next.remote).not.toBeNull();
    next.leave();
  });

  it('takes a lane back from a node that does not answer a job, sends its lane again, and leaves the node out for a while', async () => {
    let answering = false;
    const { granted, lanes, look, offers, takenBack } = setup(async () => (answering ? OK : Promise.reject(new Error('Timeout has occurred'))));
    await look();
    await look();
    await expect(runJob(lanes, 1)).rejects.toThrow(/Timeout/);
    await look(0);
    expect(granted).toEqual([{ lane: 1, node: 'node-b' }, { lane: 1, node: 'node-a' }]);
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([1]); // it may have committed sends it never handed over: they go out again from here
    answering = true;
    await look(20_000);
    expect(lanes.holders()).toEqual([null, null]); // still left out
    await look(11_000);
    await look();
    expect(lanes.holders()).toEqual([null, 'node-b']);
    // A node no longer offering (stopped, off the bus) loses its lane at the next look.
    offers.length = 0;
    await look();
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([1]); // nothing failed: every send was handed over
  });

  it('sends the whole context again to a node that lost it (restarted); a refusal takes the lane back without sending it again', async () => {
    const answers: unknown[] = [OK, { ok: false, code: 'context', message: 'restarted' }, OK, { ok: false, code: 'failed', message: 'disk full' }];
    const { sent, lanes, look, takenBack } = setup(async () => answers.shift());
    await look();
    await look();
    expect(await runJob(lanes, 1)).toBe('there');
    expect(await runJob(lanes, 1)).toBe('there');
    expect(sent.map((s) => s.message.context?.reach !== undefined)).toEqual([true, false, true]);
    await expect(runJob(lanes, 1)).rejects.toThrow(/disk full/);
    await look(0);
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([]); // refused: nothing was committed there
  });

  it('ends every job waiting on a node at once when one failed, or when the node stops offering', async () => {
    const never = () => new Promise<unknown>(() => undefined);
    const answers: (() => Promise<unknown>)[] = [() => Promise.reject(new Error('Timeout has occurred')), never, never, never];
    const { lanes, look, offers, takenBack } = setup(() => answers.shift()!());
    await look();
    await look();
    const [a, b] = [await lanes.enter(1), await lanes.enter(1)];
    const [ra, rb] = [a.remote!(JOB, 0), b.remote!(JOB, 0)];
    await expect(ra).rejects.toThrow(/did not answer/);
    await expect(rb).rejects.toThrow(/did not answer/); // not left to time out on its own
    a.leave();
    b.leave();
    await look(0);
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([1]);
    // Back after its time out, then silent: its jobs end when it stops offering, not at their timeout.
    await look(31_000);
    await look();
    expect(lanes.holders()).toEqual([null, 'node-b']);
    const c = await lanes.enter(1);
    const rc = c.remote!(JOB, 0);
    offers.length = 0;
    await look();
    await expect(rc).rejects.toThrow(/no longer offers/);
    c.leave();
    await look(0);
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([1, 1]);
  });

  it('takes answers of one lane in the order they come, and refuses one it cannot read', async () => {
    let release!: () => void;
    const first = new Promise<unknown>((r) => (release = () => r({ ...OK, applied: 1 })));
    const answers: Promise<unknown>[] = [first, Promise.resolve({ ...OK, applied: 2 }), Promise.resolve({ ok: true, applied: 'many' })];
    const { lanes, look } = setup(() => answers.shift()!);
    await look();
    await look();
    const [a, b] = [await lanes.enter(1), await lanes.enter(1)];
    const order: number[] = [];
    const pa = a.remote!(JOB, 0).then((o) => order.push(o.applied));
    const pb = b.remote!(JOB, 0).then((o) => order.push(o.applied));
    await Promise.resolve();
    release();
    await Promise.all([pa, pb]);
    expect(order).toEqual([1, 2]);
    a.leave();
    b.leave();
    await expect(runJob(lanes, 1)).rejects.toThrow(/cannot read/);
  });
});
