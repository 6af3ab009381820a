import { seededRandom } from '@lifeline/domain';
import { killChildren, startNode, tempDir, type Child } from '../support/child';
import { ADMIN, crashConfig, crashRun, type CrashRows, type Deployment } from '../support/crash-run';
import { TestNats } from '../support/nats';
import { freshTestDatabase, onTestServer } from '../support/test-store';

const KILLS = Number(process.env.CLUSTER_KILLS ?? 12);
const NODES = 3;

/**
 * Three router processes on one PostgreSQL database and a NATS bus: one active, two followers.
 * The console talks to any node (a follower passes its orders on). A kill takes the active node
 * (SIGKILL); a follower takes over and the killed node comes back as a follower. Now and then a
 * follower is killed too, or the active node's database session is cut (it takes its lock back,
 * or a follower took over first and it steps down, exit 3); once, mid-run, NATS is killed and
 * started again. The followers carry out lanes of the active node's delivery work meanwhile: a
 * follower killed takes its lane's jobs in flight with it, and the active node takes the lane back.
 */
function cluster(db: { name: string; url: string }, nats: TestNats, seed: number): Deployment {
  const random = seededRandom(seed + 1); // the console's own choices use `seed`
  const dir = tempDir();
  // A lane per node: the active node keeps lane 0 and hands the others to the followers.
  const env = { LIFELINE_DB: db.url, LIFELINE_CONFIG: crashConfig(dir, (c) => (c.engine.lanes = NODES)), LIFELINE_ADMIN_TOKEN: ADMIN, LIFELINE_STANDBY: '1', LIFELINE_BUS: nats.url };
  const nodes = new Map<string, Child>();
  const dead = new Set<string>();
  const tally = { takeovers: 0, standbysKilled: 0, sessionsCut: 0, steppedDown: 0, throughFollowers: 0, natsRestarts: 0 };
  let round = 0;
  let busDown = false;
  const start = async (name: string) => {
    const child = await startNode({ ...env, LIFELINE_NODE: name });
    nodes.set(name, child);
    dead.delete(name);
    void child.exited.then((e) => {
      if (nodes.get(name) === child) dead.add(name);
      if (e.code === 3) tally.steppedDown++;
    });
  };
  const cut = () =>
    onTestServer((c) => c.query('SELECT pg_terminate_backend(backend_pid) FROM writer_lease'), db.name).catch(() => undefined);
  return {
    next: async () => {
      if (!nodes.size) for (let i = 1; i <= NODES; i++) await start(`node-${i}`);
      for (const name of [...dead]) await start(name);
      const standbys = () => [...nodes.entries()].filter(([n]) => !dead.has(n));
      if (random() < 0.3) {
        // A standby dies too (restarted at once): the active node must not care.
        const [name, victim] = standbys()[Math.floor(random() * NODES)];
        victim.proc.kill('SIGKILL');
        tally.standbysKilled++;
        await victim.exited;
        await start(name);
      }
      const active = await Promise.race(standbys().map(([, c]) => c.listening.then(() => c)));
      tally.takeovers++;
      busDown = ++round === Math.ceil(KILLS / 2);
      if (busDown) {
        // NATS dies and comes back while the console sends: wake-ups are lost, followers poll.
        tally.natsRestarts++;
        await nats.stop();
        setTimeout(() => void nats.start(), 1500);
      }
      if (random() < 0.25) {
        tally.sessionsCut++;
        void cut();
      }
      return active;
    },
    talkTo: (active) => {
      // Through a follower half the time; to the active node itself while the bus is down.
      const followers = [...nodes.entries()].filter(([n, c]) => !dead.has(n) && c !== active).map(([, c]) => c);
      if (busDown || !followers.length || random() < 0.5) return active;
      tally.throughFollowers++;
      return followers[Math.floor(random() * followers.length)];
    },
    diedAsExpected: (e) => e.signal === 'SIGKILL' || e.code === 3,
    rows: async () => {
      for (const c of nodes.values()) c.proc.kill('SIGTERM');
      await Promise.all([...nodes.values()].map((c) => c.exited));
      process.stdout.write(`cluster: ${JSON.stringify(tally)}\n`);
      expect(tally.takeovers).toBeGreaterThan(KILLS); // a node took over after every kill
      expect(tally.throughFollowers).toBeGreaterThan(0);
      expect(tally.natsRestarts).toBe(1);
      return onTestServer(async (c) => ({
        orders: (await c.query('SELECT id, client_ref, ack_required, ttl_s, created_at, deliveries FROM orders')).rows.map((o) => ({
          ...o,
          ack_required: Number(o.ack_required), // bigint columns come as strings from a plain pg client
          ttl_s: Number(o.ttl_s),
          created_at: Number(o.created_at),
          deliveries: Number(o.deliveries),
        })) as CrashRows['orders'],
        events: (await c.query('SELECT seq, type, payload FROM events ORDER BY seq')).rows.map((e) => ({ ...e, seq: Number(e.seq) })) as CrashRows['events'],
        deliveryIds: (await c.query('SELECT id FROM deliveries ORDER BY id COLLATE "C"')).rows.map((d: { id: string }) => d.id),
      }), db.name);
    },
  };
}

describe('cluster: three nodes on one PostgreSQL and NATS, the active one SIGKILLed again and again', () => {
  let db: Awaited<ReturnType<typeof freshTestDatabase>>;
  let nats: TestNats;
  beforeAll(async () => {
    db = await freshTestDatabase('lt_cluster');
    nats = await TestNats.start();
  });
  afterAll(async () => {
    killChildren();
    await nats.stop();
    await db.drop();
  });

  it(`loses nothing over ${KILLS} failovers, follower kills, session cuts and a NATS restart, orders sent through any node: orders, clientRefs, final receipts, gapless seq`, async () => {
    const seed = Number(process.env.CLUSTER_SEED ?? 20_261_205);
    process.stdout.write(`cluster seed ${seed} (replay: CLUSTER_SEED=${seed})\n`);
    try {
      await crashRun(cluster(db, nats, seed), seed, KILLS);
    } catch (e) {
      throw new Error(`cluster seed ${seed} failed (replay: CLUSTER_SEED=${seed}): ${(e as Error).message}`);
    }
  }, 300_000 + KILLS * 15_000);
});
