import type { FollowerCore } from '@lifeline/engine';
import type { Log } from '@lifeline/domain';
import type pino from 'pino';
import { Lifeline, type LifelineOptions } from '../lifeline';
import { serve, type RunningServer } from '../server';
import { BusLink } from './bus-link';
import { NatsLeader } from './nats-leader';

/** How long a follower waits for the active node to answer an order before saying `not_active`, and asks again meanwhile. */
const ASK_TIMEOUT_MS = 10_000;
const ASK_AGAIN_MS = 1_000;
const RETRY_MS = 2_000;

export type FollowerNodeOptions = LifelineOptions & { host: string; port: number; bus: string; logger: pino.Logger; log: Log };

/**
 * A standby of a cluster with a bus, serving while it waits for the writer lease: consoles and
 * the HTTP API from the database, orders passed on to the active node over the bus. It starts in
 * the background (the database may not have its tables until some node takes the lease, maybe
 * this one), tries again while it cannot, and gives its port up when this node takes the lease.
 */
export class FollowerNode {
  private running: RunningServer<FollowerCore> | null = null;
  private closed = false;
  private started: Promise<void>;
  private readonly link: BusLink;
  /** The port it serves (or will): the router takes it over, also after this closed. */
  port: number;
  /** Who holds the writer lease, as this node last saw while it waited for it. */
  private active: string | null = null;
  private told = false;

  private constructor(private readonly o: FollowerNodeOptions) {
    this.port = o.port;
    this.link = new BusLink(o.bus, o.lease?.node ?? null);
    this.started = this.start();
  }

  static start(o: FollowerNodeOptions): FollowerNode {
    return new FollowerNode(o);
  }

  /**
   * Builds the follower and serves it; `previous` (a rebuild) keeps serving until the new one is
   * built, and is closed just before the new one takes its port.
   */
  private async start(previous: RunningServer<FollowerCore> | null = null): Promise<void> {
    const closePrevious = async () => {
      const p = previous;
      previous = null;
      if (this.running === p) this.running = null;
      await p?.close().catch((e: Error) => this.o.log.warn(`follower: closing the old server: ${e.message}`));
    };
    try {
      await this.serveAgainAndAgain(closePrevious);
    } finally {
      await closePrevious();
    }
  }

  private async serveAgainAndAgain(beforeServing: () => Promise<void>): Promise<void> {
    while (!this.closed) {
      let lifeline: Lifeline<FollowerCore> | null = null;
      try {
        lifeline = await Lifeline.follow({ ...this.o, leader: (tokenHashes) => new NatsLeader(this.link, ASK_TIMEOUT_MS, ASK_AGAIN_MS, tokenHashes), stopped: () => this.closed });
        await beforeServing();
        if (this.closed) break;
        // Connections are cut, not waited for, when this node takes over: a request waiting on
        // the dead active node must not keep the port from the router for its whole timeout.
        const running = await serve(lifeline, { host: this.o.host, port: this.port, logger: this.o.logger, bus: this.o.bus, forceCloseConnections: true });
        this.running = running;
        lifeline = null;
        this.port = Number(new URL(running.url).port);
        void running.lifeline.core.directoryChanged.then(() => this.rebuild(running));
        this.tell();
        return;
      } catch (e) {
        if (this.closed) break;
        const what = this.running ? 'cannot build on the directory now in the database (still serving the previous one)' : 'cannot serve yet';
        this.o.log.warn(`follower: ${what}: ${(e as Error).message}; trying again`);
        // A wait that ends as soon as this node stops (it took the lease: the router wants the port).
        for (let waited = 0; waited < RETRY_MS && !this.closed; waited += 100) await new Promise((r) => setTimeout(r, 100));
      } finally {
        await lifeline?.stop().catch((e: Error) => this.o.log.warn(`follower: stopping a follower not served: ${e.message}`));
      }
    }
  }

  /**
   * Serves again, built on the directory now in the database: a new active node loaded another,
   * and the area tree, scopes and role counts this node serves are stale. Its clients reconnect.
   */
  private rebuild(running: RunningServer<FollowerCore>): void {
    if (this.closed || this.running !== running) return;
    this.o.log.info('follower: the active node loaded another directory; serving it from now on');
    // `close` waits for this (it never rejects): the port is free before the router takes it over.
    this.started = this.start(running);
  }

  /** Another node holds the writer lease (`null`: none known): what the waiting for it saw. */
  activeIs(node: string | null): void {
    this.active = node;
    this.tell();
  }

  /**
   * Says once that this node follows, when it serves and another node is known to be active:
   * the first node of a cluster takes the lease at once, while its follower side is still
   * starting, and is no follower.
   */
  private tell(): void {
    if (this.told || this.closed || !this.running || !this.active || this.active === this.o.lease?.node) return;
    this.told = true;
    this.o.log.info(`follower on ${this.running.url}: serving consoles while node ${this.active} is active and ${this.o.lease?.node} waits for the writer lease`);
  }

  /**
   * Stops serving: this node took the lease (or stops); clients reconnect, to it or to another.
   * Never rejects: a part that fails to close (its bus in an outage) is logged, every other part is
   * closed all the same, and the node that took the lease goes on to serve rather than exit.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.started;
    const running = this.running;
    this.running = null;
    await running?.close().catch((e: Error) => this.o.log.warn(`follower: closing its server: ${e.message}`));
    await this.link.close().catch((e: Error) => this.o.log.warn(`follower: closing its bus link: ${e.message}`));
  }
}
