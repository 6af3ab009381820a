import { VirtualClock } from '@lifeline/clock';
import { AreaTree, Reach, SILENT_LOG } from '@lifeline/domain';
import type { LaneGrant, LaneGrants, Repositories } from '@lifeline/store';
import type { DeliveryStepper } from '../delivery-stepper';
import { Tasks } from '../tasks';
import type { LaneJobMessage } from './lane-messages';
import { RemoteLanes, type LaneTransport } from './remote-lanes';

const OK = { ok: true, applied: 1, events: [], sends: [], drops: [], timersArmed: null, finals: 0 };
const JOB = { kind: 'start', limit: 10 } as const;

function setup(answer: (node: string, m: LaneJobMessage) => Promise<unknown> = async () => OK) {
  const clock = new VirtualClock(0);
  const reach = new Reach(new AreaTree([{ code: 'city', name: '市', parent: null }]));
  const sent: { node: string; message: LaneJobMessage }[] = [];
  const offers = ['node-b'];
  const transport: LaneTransport = {
    workers: () => offers,
    request: (node, message) => {
      sent.push({ node, message });
      return answer(node, message);
    },
  };
  const granted: { lane: number; node: string }[] = [];
  let epoch = 0;
  let hold: Promise<void> | null = null;
  const grants: LaneGrants = {
    grant: async (lane, node): Promise<LaneGrant> => {
      await hold;
      granted.push({ lane, node });
      return { lane, node, epoch: ++epoch, key: 'k'.repeat(32), writerEpoch: 1 };
    },
  };
  const forgot = { n: 0 };
  const stepper = { forget: () => forgot.n++, sendOf: async () => null } as unknown as DeliveryStepper;
  const lanes = new RemoteLanes({ node: 'node-a', lanes: 2, transport, grants, reach, stepper, read: {} as Repositories, clock, tasks: new Tasks(SILENT_LOG), timeoutMs: 5_000, checkEveryMs: 1_000, coolDownMs: 30_000 });
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { clock, reach, sent, offers, granted, forgot, lanes, settle, holdGrants: (p: Promise<void> | null) => (hold = p) };
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
  it('hands lane 1 to a node that offers and keeps lane 0; jobs go there with the context once, then without', async () => {
    const { clock, sent, granted, forgot, lanes, settle, reach } = setup();
    expect(await runJob(lanes, 1)).toBe('here');
    await clock.advance(1_000);
    await settle();
    expect(granted).toEqual([{ lane: 1, node: 'node-b' }]);
    expect(lanes.holders()).toEqual([null, 'node-b']);
    expect(forgot.n).toBe(1); // what was cached of lane 1 is stale from now on
    expect(await runJob(lanes, 0)).toBe('here');
    expect(await runJob(lanes, 1)).toBe('there');
    expect(await runJob(lanes, 1)).toBe('there');
    expect(sent.map((s) => s.message.context !== undefined)).toEqual([true, false]);
    expect(sent[0].message).toMatchObject({ grant: { lane: 1, node: 'node-b', epoch: 1 }, job: JOB });
    // The channels changed: the next job carries the new reach.
    reach.setCoverage('public', 'gw', ['city']);
    await runJob(lanes, 1);
    expect(sent[2].message.context?.reach.coverage).toEqual([['public', 'gw', ['city'], null, false]]);
  });

  it('moves a lane only once the jobs in flight on it are over', async () => {
    const { clock, granted, lanes, settle } = setup();
    const inFlight = await lanes.enter(1);
    await clock.advance(1_000);
    await settle();
    expect(granted).toEqual([]); // the job here is not over: lane 1 stays
    const waiting = Promise.resolve(lanes.enter(1)); // and a new job waits for the move
    inFlight.leave();
    const next = await waiting;
    expect(granted).toEqual([{ lane: 1, node: 'node-b' }]);
    expect(next.remote).not.toBeNull();
    next.leave();
  });

  it('takes a lane back from a node that does not answer, and leaves that node out for a while', async () => {
    let answering = false;
    const { clock, granted, lanes, settle, offers } = setup(async () => (answering ? OK : Promise.reject(new Error('Timeout has occurred'))));
    const takenBack: number[] = [];
    lanes.takenBack$.subscribe((l) => takenBack.push(l));
    await clock.advance(1_000);
    await settle();
    await expect(runJob(lanes, 1)).rejects.toThrow(/Timeout/);
    await settle();
    expect(granted).toEqual([{ lane: 1, node: 'node-b' }, { lane: 1, node: 'node-a' }]);
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([1]); // its sends in flight go out again from here
    answering = true;
    await clock.advance(20_000);
    await settle();
    expect(lanes.holders()).toEqual([null, null]); // still left out
    await clock.advance(11_000);
    await settle();
    expect(lanes.holders()).toEqual([null, 'node-b']);
    // A node no longer offering (stopped, off the bus) loses its lane at the next look.
    offers.length = 0;
    await clock.advance(1_000);
    await settle();
    expect(lanes.holders()).toEqual([null, null]);
    expect(takenBack).toEqual([1]); // nothing failed: every send was handed over
  });

  it('sends the context again to a node that lost it (restarted), and refuses an answer it cannot read', async () => {
    const answers: unknown[] = [OK, { ok: false, code: 'context', message: 'restarted' }, OK, { ok: true, applied: 'many' }];
    const { clock, sent, lanes, settle } = setup(async () => answers.shift());
    await clock.advance(1_000);
    await settle();
    expect(await runJob(lanes, 1)).toBe('there');
    expect(await runJob(lanes, 1)).toBe('there');
    expect(sent.map((s) => s.message.context !== undefined)).toEqual([true, false, true]);
    await expect(runJob(lanes, 1)).rejects.toThrow(/cannot read/);
  });
});
