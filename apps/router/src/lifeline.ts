import { SystemClock, type Clock } from '@lifeline/clock';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SimulatedGateway } from '@lifeline/channels';
import { deliveryId, type Area, type Channels, type Log, type Person, type TerminalKind } from '@lifeline/domain';
import { audit, CapIntake, CapOut, FollowerCore, inScope, OrderPreview, RequestError, RouterCore, SYSTEM, type LaneTransport, type Leader, type NodeCore, type Principal } from '@lifeline/engine';
import { DatabaseOpenError, DIRECTORY_HASH, isPostgresUrl, openStore, PostgresReader, type LeaseOptions, type Storage } from '@lifeline/store';
import { AuthLimiter } from './auth/auth-limiter';
import { AuthService } from './auth/auth.service';
import type { Config } from './config/config.schema';
import { engineConfig, loadDirectory, loadTokens } from './config/load-config';
import { asLog, countingErrors, jsonLogger } from './log/json-log';
import { Metrics } from './metrics/metrics';
import { SimulatedPeople } from '@lifeline/channels';
import { OutageWorld } from './simulation/outage-world';
import { simulateRelays, simulatedChannels, startSimulators } from './simulation/simulators';

/** The nodes that offer to carry out an active node's lanes, as heard on the bus (`BusLanes`). */
export interface LaneOffers extends LaneTransport {
  heard(node: string): void;
  close(): Promise<void>;
}

export interface LifelineOptions {
  config: Config;
  /** `LIFELINE_DB` beats the config's `database`: a SQLite file, or `postgres://…`. */
  database?: string;
  /** A PostgreSQL schema of its own (tests); default: the user's search path. */
  schema?: string;
  /** The writer lease (PostgreSQL): this node's name, and whether it waits as a standby. */
  lease?: Partial<LeaseOptions>;
  clock?: Clock;
  simulators?: string;
  adminToken?: string;
  /** Default: JSON lines on stderr at the config's `log.level`. */
  log?: Log;
  /** A node of a cluster: the other nodes that may carry out its lanes (the bus); the node owns it from then on. */
  laneTransport?: LaneOffers;
  /** The config file(s) the config came from, for the audit trail's `config.load`. */
  configFiles?: string[];
  /** A directory built in memory (chaos runs) instead of the config's file. */
  directory?: Directory;
  /** Called with the core before anything runs, so observers (chaos runs) miss nothing. */
  watch?: (core: RouterCore) => void;
}

export type Directory = ReturnType<typeof loadDirectory>;

/**
 * A follower of a cluster: the active node, reached over the bus, made once the follower can
 * say with which token (its sha256) each of its clients signed in; when to stop waiting for the
 * tables.
 */
export interface FollowOptions extends LifelineOptions {
  leader: (tokenHashes: (p: Principal) => string | null) => Leader;
  stopped?: () => boolean;
}

/**
 * Everything the router is, built once at start: store, core, auth and simulators. Nest wires
 * transports around it; tests build it the same way. The node that writes has a `RouterCore`;
 * a follower of a cluster a `FollowerCore` (reads, and orders passed on to the active node).
 */
export class Lifeline<C extends NodeCore = RouterCore> {
  private constructor(
    readonly config: Config,
    readonly channels: Channels,
    /** Storage through its port: SQLite or PostgreSQL. */
    readonly store: Storage,
    readonly core: C,
    readonly auth: AuthService,
    readonly sims: Map<string, SimulatedGateway>,
    readonly clock: Clock,
    readonly log: Log,
    readonly metrics: Metrics,
    /** This node's name in a cluster (a standby's lease), for `/health`; null for a lone router. */
    readonly node: string | null,
    /** Alerts in CAP 1.2 made into orders, and orders out as CAP. */
    readonly cap: { intake: CapIntake; out: CapOut },
    /** What an order would reach and carry, before it is sent (the console's composer). */
    readonly preview: OrderPreview,
    /** The nodes that offer to carry out this node's lanes, as heard on the bus (an active node of a cluster). */
    readonly laneTransport: LaneOffers | null = null,
  ) {}

  static async create(o: LifelineOptions): Promise<Lifeline<RouterCore>> {
    const metrics = new Metrics();
    const log = countingErrors(o.log ?? asLog(jsonLogger(o.config.log.level)), () => metrics.internalError());
    const clock = o.clock ?? new SystemClock();
    const directory = o.directory ?? loadDirectory(o.config.directory);
    const tokens = loadTokens(o.config.tokens);
    const sims = simulatedChannels(o.config, o.simulators);
    const store = await openStore(o.database ?? o.config.database, { schema: o.schema, lease: o.lease, lanes: o.config.engine.lanes });
    if (o.directory) await store.write(async (tx) => {
      await tx.directory.replace(directory.areas, directory.people);
      // Not the file's: a node started from the file loads it again, and followers rebuild.
      await tx.meta.set(DIRECTORY_HASH, `in-memory:${randomUUID()}`);
    });
    else await syncDirectory(store, o.config.directory, directory, log);
    const ec = engineConfig(o.config);
    const lanesElsewhere = o.laneTransport && { transport: o.laneTransport, node: o.lease?.node ?? 'active', leaseMs: o.config.cluster.leaseS * 1000 };
    const core = await RouterCore.create({ store, clock, config: ec, areas: directory.areas, log, lanesElsewhere });
    o.watch?.(core);
    const auth = await authService(o, store, clock, tokens);
    await store.write((tx) => audit(tx, SYSTEM, clock.now(), 'config.load', null, configSummary(o)));
    const root = directory.areas.find((a) => a.parent === null)!.code;
    // The simulated world knows where each terminal is, as the real one does: from the directory.
    const holder = terminalHolders(directory.people);
    const world = new OutageWorld(core.outages.board, ec.channels, (kind, address) => holder(kind, address)?.area);
    const people = o.config.simulation.people ? new SimulatedPeople(o.config.simulation.people, o.config.simulation.seed, holder) : null;
    const running = startSimulators(o.config, sims, core.gateways, clock, root, world, people);
    if (sims.length) simulateRelays(o.config, core, clock, world, people);
    metrics.watchStore(store, () => clock.now());
    metrics.watchRouter(core, store);
    await core.start();
    const cap = alertCodecs(o.config, store, core, directory.areas);
    return new Lifeline(o.config, ec.channels, store, core, auth, running, clock, log, metrics, o.lease?.standby ? (o.lease.node ?? null) : null, cap, new OrderPreview(store, core.orders, ec.channels.list), o.laneTransport ?? null);
  }

  /**
   * A follower: the database read as the active node committed it (directory and tokens
   * included: nothing is loaded or written here), the live stream from the events table, orders
   * passed on to `leader`. No simulators: the simulated gateways live with the active node.
   */
  static async follow(o: FollowOptions): Promise<Lifeline<FollowerCore>> {
    const database = o.database ?? o.config.database;
    if (!isPostgresUrl(database)) throw new DatabaseOpenError(`a follower needs a PostgreSQL database, not ${database}`);
    const metrics = new Metrics();
    const log = countingErrors(o.log ?? asLog(jsonLogger(o.config.log.level)), () => metrics.internalError());
    const clock = o.clock ?? new SystemClock();
    // Its pool holds the sessions of the lanes it carries out for the active node besides its reads.
    const store = await PostgresReader.open({ url: database, schema: o.schema, lease: { leaseS: o.config.cluster.leaseS }, lanes: o.config.engine.lanes }, 500, o.stopped);
    let core: FollowerCore | null = null;
    try {
      const ec = engineConfig(o.config);
      // The hash first: a directory loaded between the two reads is then seen as a change.
      const directory = await store.read.meta.get(DIRECTORY_HASH);
      const areas = await store.read.directory.areas();
      const auth = await authService(o, store, clock, loadTokens(o.config.tokens), true);
      const leader = o.leader((p) => auth.tokenHashOf(p));
      // A revocation's word on the bus is a hint: the rows say which tokens are revoked.
      const lanes = o.lease?.node && o.config.cluster.shareLanes ? { granted: store.granted, node: o.lease.node } : undefined;
      core = await FollowerCore.create({ store, clock, config: ec, areas, directory, leader, pollMs: o.config.cluster.pollMs, alsoEveryPoll: () => auth.readRevoked(), log, lanes });
      const cap = alertCodecs(o.config, store, core, areas);
      metrics.watchStore(store, () => clock.now());
      if (core.lanes) metrics.watchLaneWorker(core.lanes.stats);
      return new Lifeline(o.config, ec.channels, store, core, auth, new Map(), clock, log, metrics, o.lease?.node ?? null, cap, new OrderPreview(store, core.orders, ec.channels.list));
    } catch (e) {
      await core?.stop();
      await store.close();
      throw e;
    }
  }

  /** What keeps this node from serving now, for `/health`: commits failing, or (a follower) reads. */
  get failure(): string | null {
    const core: NodeCore = this.core;
    if (core instanceof FollowerCore) return core.failure && `cannot follow: ${core.failure.reason}`;
    return this.store.commitFailure && `cannot commit: ${this.store.commitFailure.reason}`;
  }

  /** Whether this node writes (holds the writer lease, or is a lone router). */
  get active(): boolean {
    return this.core instanceof RouterCore;
  }

  /**
   * A simulated person answers an order over whatever simulated channel reaches them now (drills
   * and tests). Null when they have no delivery of it; 'unreachable' when no channel reaches them.
   */
  async simulateReply(p: Principal, personId: string, orderId: string, text?: string): Promise<{ channel: string } | null | 'unreachable'> {
    const core = this.core;
    if (!(core instanceof RouterCore)) throw new RequestError('not_active', 'simulated people answer on the active node, where the simulated gateways are');
    const order = await this.store.read.orders.get(orderId);
    const id = order && deliveryId(order.id, personId);
    const d = id ? (await this.store.read.deliveries.load([id])).get(id) : undefined;
    // A scoped drill token plays only the people of its areas; others are answered as unknown.
    if (!order || !d || !inScope(p, core.areas, d.area)) return null;
    const candidates = [...new Set([d.channel, ...this.channels.ids].filter((c): c is string => !!c))];
    const channel = candidates.find((c) => {
      const spec = this.channels.get(c);
      return this.sims.has(c) && spec && d.terminals[spec.terminal] && core.channelState(c, d.area) !== 'down';
    });
    if (!channel) return 'unreachable';
    await this.store.write((tx) => audit(tx, p, this.clock.now(), 'sim.reply', personId, { orderId, channel }));
    this.sims.get(channel)!.reply(d.terminals[this.channels.get(channel)!.terminal]!, text ?? `${order.ref} 1`);
    return { channel };
  }

  /** Stops reacting to the world before the transports close (RouterCore.quiesce); a follower has nothing to stop. */
  quiesce(): void {
    if (this.core instanceof RouterCore) this.core.quiesce();
  }

  /** Finishes the writes in flight and closes the store; nothing is published for the stop itself. */
  async stop(): Promise<void> {
    this.quiesce();
    for (const s of this.sims.values()) s.disconnect();
    await this.core.stop();
    await this.laneTransport?.close();
    await this.store.close();
  }
}

/** Tokens as the config, the database and the environment define them, with failed tries limited per address. */
function authService(o: LifelineOptions, store: Storage, clock: Clock, tokens = loadTokens(o.config.tokens), keepTokenHashes = false): Promise<AuthService> {
  const limiter = new AuthLimiter(clock, { failures: o.config.security.authFailures.limit, windowS: o.config.security.authFailures.windowS, maxAddresses: 100_000 });
  return AuthService.create(store, tokens, o.adminToken, () => clock.now(), limiter, keepTokenHashes);
}

/** Alerts in (CAP 1.2, GB/T 35965.1) and out, for this node's orders. */
function alertCodecs(config: Config, store: Storage, core: NodeCore, areas: readonly Area[]): { intake: CapIntake; out: CapOut } {
  const root = areas.find((a) => a.parent === null)?.code ?? '';
  const gbt = { ...config.cap.gbt35965, senderCode: config.cap.gbt35965.senderCode ?? `${root.padEnd(6, '0').slice(0, 6)}00000000` };
  return { intake: new CapIntake(store, core.clock, core.areas, core.orders, config.cap, gbt), out: new CapOut(store, core.areas, core.orders, config.cap.issuer, gbt) };
}

/** Who holds each terminal, for the simulated world and people: a lookup per simulated send, so in memory. */
function terminalHolders(people: Iterable<Person>): (kind: TerminalKind, address: string) => Person | undefined {
  let byTerminal: Map<string, Person> | null = null;
  return (kind, address) => {
    if (!byTerminal) {
      byTerminal = new Map();
      for (const p of people) for (const [k, a] of Object.entries(p.terminals)) if (a) byTerminal.set(`${k}\u0000${a}`, p);
    }
    return byTerminal.get(`${kind}\u0000${address}`);
  };
}

/** What `config.load` records: which files, and digests that tell one version from another. */
function configSummary(o: LifelineOptions): Record<string, unknown> {
  const digest = (file: string) => {
    try {
      return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
    } catch {
      return null;
    }
  };
  return {
    files: (o.configFiles ?? []).map((f) => ({ file: f, sha256: digest(f) })),
    directory: o.directory ? '(in memory)' : o.config.directory,
    tokens: { file: o.config.tokens, sha256: digest(o.config.tokens) },
    channels: o.config.channels.map((c) => c.id),
  };
}

/** Loads the directory into the database when the file changed since the last start. */
async function syncDirectory(store: Storage, file: string, directory: ReturnType<typeof loadDirectory>, log: Log): Promise<void> {
  const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
  if ((await store.read.meta.get(DIRECTORY_HASH)) === hash) return;
  const n = await store.write(async (tx) => {
    const count = await tx.directory.replace(directory.areas, directory.people, (k) => log.info(`directory: ${k} people loaded`));
    await tx.meta.set(DIRECTORY_HASH, hash);
    return count;
  });
  log.info(`directory: ${directory.areas.length} areas, ${n} people from ${file}`);
}
