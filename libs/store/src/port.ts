import type { Area, BBox, OrderSpec, Outage, Person, TerminalKind } from '@lifeline/domain';
import type { AlertLink, AlertRow } from './alert.repo';
import type { AttemptRow, AttemptUpdate } from './attempt.repo';
import type { AuditEntry, AuditQuery, NewAuditEntry } from './audit.repo';
import type { ChannelStateRow } from './channel-state.repo';
import type { Delivery, DeliveryFilter, NamedDelivery } from './delivery.repo';
import type { NewEvent, StoredEvent } from './event.repo';
import type { MissionRow } from './mission.repo';
import type { LocatedPerson } from './directory.repo';
import type { NewOrder, OrderReach, OrderRow } from './order.repo';
import type { TimerRow } from './timer.repo';
import type { TokenRow } from './token.repo';

/**
 * The store port: what the engine and the apps may ask of storage, every method asynchronous, so
 * that an implementation may sit on a network (PostgreSQL, `PostgresStore`) as well as on a file
 * (SQLite, `SqliteStore`). Nothing here is either's: an implementation keeps its tricks inside.
 */

export interface DirectoryStore {
  replace(areas: readonly Area[], people: Iterable<Person>, onProgress?: (n: number) => void): Promise<number>;
  areas(): Promise<Area[]>;
  people(limit?: number, afterId?: string, within?: readonly string[] | null, text?: string): Promise<Person[]>;
  person(id: string): Promise<Person | undefined>;
  /** The area of each person among `ids` that exists; the others are missing from the map. */
  areasOf(ids: readonly string[]): Promise<Map<string, string>>;
  areaOfTerminal(kind: TerminalKind, address: string): Promise<string | undefined>;
  byTerminal(kind: TerminalKind, address: string): Promise<string | undefined>;
  /** People with a location inside the box, in no order. */
  locatedIn(box: BBox, within?: readonly string[] | null): Promise<LocatedPerson[]>;
  /** The roles of the people within the subtrees at `within` (null: everywhere), with how many have each. */
  roles(within: readonly string[] | null): Promise<{ role: string; people: number }[]>;
}

export interface OrderStore {
  byClientRef(consoleId: string, clientRef: string): Promise<OrderRow | undefined>;
  get(id: string): Promise<OrderRow | undefined>;
  openByRef(ref: string): Promise<OrderRow | undefined>;
  list(status: 'open' | 'closed' | 'all', limit?: number, within?: readonly string[] | null): Promise<OrderRow[]>;
  /** The order and one delivery per person reached, set-based; the delivery count. */
  insert(o: NewOrder, reach: OrderReach, now: number): Promise<number>;
  /** The orders these superseded and those they superseded in turn (bounded), these first. */
  chainOf(direct: readonly string[]): Promise<string[]>;
  /** The orders that superseded these, and those that superseded them in turn (bounded). */
  supersedersOf(orders: readonly string[]): Promise<string[]>;
  /** How many people `insert` would reach, by area, writing nothing. */
  reachByArea(to: OrderSpec['to'], reach: OrderReach): Promise<Map<string, number>>;
  openSummary(): Promise<{ priority: string; ackRequired: boolean; orders: number; open: number; oldestCreatedAt: number }[]>;
  setSeq(id: string, seq: number): Promise<void>;
  closeDeliveries(id: string, n: number): Promise<void>;
  markCancelled(id: string): Promise<void>;
  /** Cancelled orders with deliveries still open. */
  cancelledWithOpen(): Promise<string[]>;
  refInUse(ref: string): Promise<boolean>;
  /** Orders created in [from, to), in the order they were made (their acceptance's seq within a millisecond). */
  createdBetween(from: number, to: number): Promise<{ id: string; createdAt: number }[]>;
}

export interface DeliveryStore {
  load(ids: readonly string[]): Promise<Map<string, Delivery>>;
  saveMany(ds: readonly Delivery[], now: number): Promise<void>;
  /** Unstarted deliveries (of `partitions`; null or none: all), highest priority first. */
  nextNew(limit: number, partitions?: readonly number[] | null): Promise<string[]>;
  expiredNew(now: number, limit: number, partitions?: readonly number[] | null): Promise<string[]>;
  nextNewExpiry(partitions?: readonly number[] | null): Promise<number | null>;
  countByStatus(status: string): Promise<number>;
  inSubtree(statuses: readonly string[], path: string, after: { areaPath: string; id: string } | null, limit: number, channel?: string): Promise<{ id: string; area_path: string }[]>;
  inFlightAfter(afterId: string, limit: number, partitions?: readonly number[] | null): Promise<Delivery[]>;
  openFor(personId: string, limit: number): Promise<Delivery[]>;
  ofOrder(orderId: string, limit?: number, afterId?: string): Promise<Delivery[]>;
  page(orderId: string, filter: DeliveryFilter, limit: number, afterId?: string): Promise<NamedDelivery[]>;
  countsByArea(orderId: string): Promise<{ area: string; status: string; n: number }[]>;
  openIdsOfOrder(orderId: string, afterId: string, limit: number): Promise<{ ids: string[]; last: string | null }>;
  queuedByArea(): Promise<{ area: string; n: number; rank: number }[]>;
  openCounts(): Promise<{ status: string; channel: string | null; n: number }[]>;
  countsByStatus(orderId?: string): Promise<Record<string, number>>;
}

export interface AttemptStore {
  insertMany(rows: readonly AttemptRow[]): Promise<void>;
  updateMany(updates: readonly AttemptUpdate[]): Promise<void>;
  get(id: string): Promise<AttemptRow | undefined>;
  ofDelivery(deliveryId: string): Promise<AttemptRow[]>;
  ofDeliveries(deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>>;
}

export interface EventStore {
  /**
   * Appends events with the next `seq`s, read from the database inside the transaction (not only
   * from memory), so that an implementation can serve several processes. Their seqs, in order.
   */
  appendMany(rows: readonly NewEvent[]): Promise<number[]>;
  append(type: string, at: number, orderId: string | null, areaPath: string | null, payload: Record<string, unknown>): Promise<number>;
  since(seq: number, limit: number): Promise<StoredEvent[]>;
  receiptsOf(orderId: string, seq: number, limit: number): Promise<{ seq: number; at: number; deliveryId: string; status: string }[]>;
  maxSeq(): Promise<number>;
}

export interface TimerStore {
  armMany(rows: readonly TimerRow[]): Promise<void>;
  cancelAllOf(deliveryIds: readonly string[]): Promise<void>;
  /** Timers due by `now` (of `partitions`; null or none: all), earliest first. */
  due(now: number, limit: number, partitions?: readonly number[] | null): Promise<TimerRow[]>;
  remove(t: TimerRow): Promise<void>;
  nextDue(partitions?: readonly number[] | null): Promise<number | null>;
}

export interface TokenStore {
  insert(t: Omit<TokenRow, 'revoked_at'>): Promise<void>;
  byHash(hash: string): Promise<TokenRow | undefined>;
  list(): Promise<TokenRow[]>;
  revokedIds(): Promise<string[]>;
  revoke(id: string, at: number): Promise<boolean>;
}

export interface MetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface OutageStore {
  insert(o: Outage): Promise<void>;
  end(id: string, at: number): Promise<void>;
  all(): Promise<Outage[]>;
}

export interface MissionStore {
  insert(m: MissionRow): Promise<void>;
  delete(resource: string): Promise<void>;
  all(): Promise<MissionRow[]>;
}

export interface AuditStore {
  append(e: NewAuditEntry): Promise<void>;
  page(q: AuditQuery): Promise<AuditEntry[]>;
}

export interface ChannelStateStore {
  all(): Promise<ChannelStateRow[]>;
  save(rows: readonly ChannelStateRow[]): Promise<void>;
}

export interface AlertStore {
  /** The alert as `consoleId` posted it. */
  get(sender: string, identifier: string, consoleId: string): Promise<AlertRow | undefined>;
  insert(a: AlertRow, links: readonly AlertLink[]): Promise<void>;
  orderIds(sender: string, identifier: string): Promise<string[]>;
  ofOrder(orderId: string): Promise<(AlertLink & { sent: string; msgType: string }) | undefined>;
}

/** Every repository, as one transaction (a write job) or the committed state (reads) sees them. */
export interface Repositories {
  directory: DirectoryStore;
  orders: OrderStore;
  deliveries: DeliveryStore;
  attempts: AttemptStore;
  events: EventStore;
  timers: TimerStore;
  tokens: TokenStore;
  meta: MetaStore;
  outages: OutageStore;
  missions: MissionStore;
  audit: AuditStore;
  channelStates: ChannelStateStore;
  alerts: AlertStore;
}

/**
 * Storage, as the engine and the apps use it. A write job runs in a transaction and its promise
 * settles only after that transaction committed: durable before acknowledged. Jobs may be batched
 * into one transaction, each isolated from the others' failures; `urgent` jobs go first.
 */
/**
 * Leave for one node to write one lane of the active node's delivery work (PostgreSQL clusters):
 * the `lane_holders` row at the time of the grant, and the writer lease's epoch of the node that
 * gave it. A write under a grant checks both in its transaction (`GrantedLanes`).
 */
export interface LaneGrant {
  lane: number;
  /** How many lanes the partitions are divided into: the grant covers `lanePartitions(lane, lanes)`. */
  lanes: number;
  node: string;
  epoch: number;
  key: string;
  writerEpoch: number;
}

/** The active node's side: hands lane `lane` to `node` (itself included), after the jobs in flight under the last grant. */
export interface LaneGrants {
  grant(lane: number, node: string): Promise<LaneGrant>;
}

/** A node carrying out lanes for the active one: write jobs, each fenced by the grant it came with. */
export interface GrantedLanes {
  writeGranted<T>(grant: LaneGrant, job: (tx: Repositories) => Promise<T>): Promise<T>;
}

export interface Storage {
  readonly read: Repositories;
  write<T>(job: (tx: Repositories) => Promise<T> | T, urgent?: boolean): Promise<T>;
  /**
   * Writers of the delivery work that commit at the same time, each on a connection of its own,
   * each over its share of the work partitions (`lanePartitions`): 1 on SQLite (one writer per
   * file), and then `writeIn(0, …)` is `write`.
   */
  readonly lanes: number;
  /** A write job on lane `lane`, as `write` runs one on the main writer. */
  writeIn<T>(lane: number, job: (tx: Repositories) => Promise<T> | T, urgent?: boolean): Promise<T>;
  /** On a PostgreSQL writer: hands lanes of the delivery work to nodes (`RemoteLanes`). */
  readonly grants?: LaneGrants;
  /** Jobs waiting to commit (settling and tests wait for none). */
  readonly pendingWrites: number;
  /** Transactions committed since start. */
  readonly commits: number;
  /** Why the last commit failed, while commits fail; null when they succeed (`/health`). */
  readonly commitFailure: { reason: string } | null;
  /** Which database this is, for logs and `/health`: `sqlite:<file>` or `postgres:<host>/<db>`. */
  readonly describe: string;
  /**
   * Resolves, with why, once another process has become the database's writer (a standby took
   * over while this one was cut off): what this process remembers is stale, and it must stop at
   * once. Never resolves on SQLite, whose file lock no other process can take from a live one.
   */
  readonly lost: Promise<string>;
  close(): Promise<void>;
}
