import { seededRandom } from '@lifeline/domain';
import { killChildren, startNode, tempDir, type Child } from '../support/child';
import { ADMIN, crashConfig, crashRun, type CrashRows, type Deployment } from '../support/crash-run';
import { freshTestDatabase, onTestServer } from '../support/test-store';

const KILLS = Number(process.env.CLUSTER_KILLS ?? 12);
const NODES = 3;

/**
 * Three router processes on one PostgreSQL database: one active, two standbys. A kill takes the
 * active node (SIGKILL); a standby takes over and the killed node comes back as a standby. Now
 * and then a standby is killed too, or the active node's database session is cut (it takes its
 * lock back, or a standby took over first and it steps down, exit 3).
 */
function cluster(db: { name: string; url: string }, seed: number): Deployment {
  const random = seededRandom(seed + 1); // the console's own choices use `seed`
  const dir = tempDir();
  const env = { LIFELINE_DB: db.url, LIFELINE_CONFIG: crashConfig(dir), LIFELINE_ADMIN_TOKEN: ADMIN, LIFELINE_STANDBY: '1' };
  const nodes = new Map<string, Child>();
  const dead = new Set<string>();
  const tally = { takeovers: 0, standbysKilled: 0, sessionsCut: 0, steppedDown: 0 };
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
      if (random() < 0.25) {
        tally.sessionsCut++;
        void cut();
      }
      return active;
    },
    diedAsExpected: (e) => e.signal === 'SIGKILL' || e.code === 3,
    rows: async () => {
      for (const c of nodes.values()) c.proc.kill('SIGTERM');
      await Promise.all([...nodes.values()].map((c) => c.exited));
      process.stdout.write(`cluster: ${JSON.stringify(tally)}\n`);
      expect(tally.takeovers).toBeGreaterThan(KILLS); // a node took over after every kill
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

describe('cluster: three nodes on one PostgreSQL, the active one SIGKILLed again and again', () => {
  let db: Awaited<ReturnType<typeof freshTestDatabase>>;
  beforeAll(async () => {
    db = await freshTestDatabase('lt_cluster');
  });
  afterAll(async () => {
    killChildren();
    await db.drop();
  });

  it(`loses nothing over ${KILLS} failovers, standby kills and session cuts: orders, clientRefs, final receipts, gapless seq`, async () => {
    const seed = Number(process.env.CLUSTER_SEED ?? 20_261_205);
    process.stdout.write(`cluster seed ${seed} (replay: CLUSTER_SEED=${seed})\n`);
    try {
      await crashRun(cluster(db, seed), seed, KILLS);
    } catch (e) {
      throw new Error(`cluster seed ${seed} failed (replay: CLUSTER_SEED=${seed}): ${(e as Error).message}`);
    }
  }, 300_000 + KILLS * 15_000);
});
