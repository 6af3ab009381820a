import 'reflect-metadata';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import { AppModule } from './app.module';
import { Transport } from '@nestjs/microservices';
import { FollowerCore, RouterCore, type NodeCore } from '@lifeline/engine';
import { isPostgresUrl } from '@lifeline/store';
import { Announcer } from './cluster/announcer';
import { busControllers, natsOptions } from './cluster/bus';
import { BusGateways } from './cluster/bus-gateways';
import { BusLink } from './cluster/bus-link';
import { BusLanes } from './cluster/bus-lanes';
import { LaneOffer } from './cluster/lane-offer';
import { relayedGatewaySocket } from './cluster/gateway-relay';
import { Lifeline, type LifelineOptions } from './lifeline';
import { asLog } from './log/json-log';
import { ALERT_MEDIA_TYPES } from '@lifeline/contracts';
import { listenForMetrics } from './metrics/metrics-listener';
import { attachSockets } from './ws/upgrade';
import { TokenSockets } from './ws/token-sockets';
import { capConnectionsPerAddress } from './auth/address-cap';
import { consoleSocket } from './ws/console.socket';
import { gatewaySocket } from './ws/gateway.socket';
import { retryEvery, type Retrying } from './cluster/retry-every';

/**
 * Listens on the bus (the node's controllers for it: answering followers, or hearing wake-ups),
 * trying again every 2 s while NATS cannot be reached: a node starts and serves without it.
 */
function listenOnBus(app: NestExpressApplication, lifeline: Lifeline<NodeCore>, bus: string): Retrying {
  app.connectMicroservice({ transport: Transport.NATS, options: natsOptions(bus, lifeline.node, 'server') }, { inheritAppConfig: true });
  // The microservice itself closes with the app; stopping this leaves no new try, and none half-made.
  return retryEvery(
    2_000,
    () => app.startAllMicroservices().then(() => undefined),
    (e) => lifeline.log.warn(`bus: ${e.message}; trying again every 2 s (followers poll meanwhile)`),
  );
}

/**
 * The browser console at `/`: static files only, talking to the router through the public API
 * like any other client. Missing (not built) is said once in the log, not an error.
 */
function serveConsole(app: NestExpressApplication, dir: string, lifeline: Lifeline<NodeCore>): void {
  if (!dir) return;
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    lifeline.log.warn(`console: no ${join(root, 'index.html')} (npm run build makes it); / serves nothing`);
    return;
  }
  app.useStaticAssets(root, { index: 'index.html', fallthrough: true, redirect: false });
}

export interface RunningServer<C extends NodeCore = RouterCore> {
  lifeline: Lifeline<C>;
  app: NestExpressApplication;
  url: string;
  /** The separate `/metrics` listener, when the config asks for one. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/** A client must send its request headers within this, and the whole request within the next. */
const HEADERS_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Builds the router and serves HTTP and both WebSocket endpoints on one port. `logger` is the
 * JSON log for the router and Nest alike; without it the router is silent (tests).
 */
export async function startServer(o: LifelineOptions & ServeOptions): Promise<RunningServer> {
  const logger = o.logger ?? pino({ level: 'silent' });
  const bus = o.bus === undefined ? o.config.cluster.bus : o.bus;
  // A node of a cluster on PostgreSQL may hand lanes of its delivery work to the other nodes.
  const node = o.lease?.standby ? o.lease.node : undefined;
  const laneTransport = bus && node && o.config.cluster.shareLanes && o.config.engine.lanes > 1 && isPostgresUrl(o.database ?? o.config.database) ? new BusLanes(bus, node) : undefined;
  let lifeline: Lifeline;
  try {
    lifeline = await Lifeline.create({ ...o, log: o.log ?? asLog(logger), laneTransport });
  } catch (e) {
    await laneTransport?.close();
    throw e;
  }
  return serve(lifeline, { ...o, logger });
}

export interface ServeOptions {
  host?: string;
  port?: number;
  logger?: pino.Logger;
  /** What served the port while this node waited for the writer lease: closed, and its port taken over. */
  standby?: { port: number; close(): Promise<void> };
  /** The cluster's bus (`nats://…`); default: the config's `cluster.bus`, or none. */
  bus?: string | null;
  /** At close, cut open connections rather than wait for their requests (a follower taking over). */
  forceCloseConnections?: boolean;
}

/**
 * Serves a router node on one port: HTTP, the console's static files and both WebSocket
 * endpoints; on a cluster's bus as well (the active node answers followers and announces what it
 * committed; a follower listens). A follower refuses gateways: they link to the active node.
 */
export async function serve<C extends NodeCore>(lifeline: Lifeline<C>, o: ServeOptions): Promise<RunningServer<C>> {
  const logger = o.logger ?? pino({ level: 'silent' });
  const bus = o.bus === undefined ? lifeline.config.cluster.bus : o.bus;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forLifeline(lifeline, logger, bus ? busControllers(lifeline.active, lifeline.node) : []), { bufferLogs: true, bodyParser: false, forceCloseConnections: o.forceCloseConnections ?? false });
  try {
    return await serveWith(app, lifeline, logger, bus, o);
  } catch (e) {
    await app.close(); // nothing half-started keeps a port or a bus connection
    throw e;
  }
}

async function serveWith<C extends NodeCore>(app: NestExpressApplication, lifeline: Lifeline<C>, logger: pino.Logger, bus: string | null, o: ServeOptions): Promise<RunningServer<C>> {
  app.useLogger(app.get(Logger));
  // Security headers on every answer (nosniff, no X-Powered-By, a strict CSP), and API answers
  // are live data that no cache or proxy should keep.
  // The CSP fits the console: its own scripts only, WebSocket to the same origin, no requests
  // elsewhere. Not `upgrade-insecure-requests`: on a closed network the router is often plain
  // HTTP at a LAN address, where upgraded requests would fail.
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { connectSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], upgradeInsecureRequests: null },
      },
    }),
  );
  app.use((_req: unknown, res: { setHeader(k: string, v: string): void }, next: () => void) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  serveConsole(app, lifeline.config.server.console, lifeline);
  app.useBodyParser('json', { limit: '2mb' });
  // Alerts as bytes: their encoding is the charset's or the XML declaration's (alert-body.ts).
  app.useBodyParser('raw', { type: ALERT_MEDIA_TYPES, limit: '1mb' });
  await app.init();
  const server = app.getHttpServer() as Server;
  // Slow clients (headers a byte at a time) are cut off; past maxConnections the kernel refuses.
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = lifeline.config.server.maxConnections;
  // ...and no one address may take that whole pool, nor one token all the sockets (README, Security).
  const security = lifeline.config.security;
  const uncap = capConnectionsPerAddress(server, security.maxConnectionsPerAddress, refusedConnection(lifeline));
  const tokenSockets = new TokenSockets({ sockets: security.maxSocketsPerToken, bufferedBytes: security.maxBufferedPerTokenMB * 1024 * 1024 });
  const core: NodeCore = lifeline.core;
  const detachSockets = attachSockets(server, lifeline, {
    '/ws': { roles: ['console', 'drill'], handler: consoleSocket(lifeline, tokenSockets) },
    '/gateway': {
      roles: ['gateway'],
      only: true,
      // The node that sends serves gateways; a follower carries them to it over the bus.
      ...(core instanceof RouterCore
        ? { handler: gatewaySocket(lifeline, core.gateways) }
        : bus
          ? { handler: relayedGatewaySocket(lifeline, bus) }
          : { unavailable: `this node (${lifeline.node ?? 'a standby'}) does not hold the writer lease: gateways link to the active node` }),
    },
  }, tokenSockets, lifeline.config.server.pingS * 1000);
  const detach = () => {
    detachSockets();
    uncap();
  };
  // Where this node's stream starts, for the cluster gauges: a follower's tail, else the table's head.
  const streamedFrom = core instanceof FollowerCore ? core.streamedSeq : bus ? await lifeline.store.read.events.maxSeq() : 0;
  const gateways = bus && core instanceof RouterCore ? BusGateways.start(lifeline, core.gateways, bus) : null;
  let announcer: Announcer | null = null;
  let announcing: BusLink | null = null;
  const listening = bus ? listenOnBus(app, lifeline, bus) : null;
  if (bus && lifeline.active) {
    announcing = new BusLink(bus, lifeline.node);
    announcer = new Announcer(lifeline, announcing.client);
  }
  // A follower offers to carry out lanes of the active node's delivery work.
  const offering = bus && core instanceof FollowerCore && core.lanes && lifeline.node ? new BusLink(bus, `${lifeline.node}:offer`) : null;
  const offer = offering && listening && new LaneOffer(offering.client, lifeline.node!, listening.ready);
  if (bus) {
    const link = announcing;
    const busUp = () => (link ? link.connected : core instanceof FollowerCore && core.leaderReachable);
    lifeline.metrics.watchCluster({ active: lifeline.active, busUp }, core.events$, lifeline.store, streamedFrom);
  } else if (lifeline.node !== null) lifeline.metrics.watchRole(lifeline.active); // standbys without a bus
  const stopBus = async () => {
    announcer?.close();
    offer?.close();
    await offering?.close();
    await listening?.stop();
    // A connection being made now would outlive a close that finds none: each waits for it.
    await announcing?.close();
    await gateways?.close();
  };
  let metrics: Awaited<ReturnType<typeof listenForMetrics>> | null = null;
  try {
    // A standby served its port while it waited: the router takes the same port over.
    await o.standby?.close();
    await app.listen(o.standby?.port ?? o.port ?? lifeline.config.server.port, o.host ?? lifeline.config.server.host);
    // Nest hears the server's errors only while it starts listening. Past that an 'error' with no
    // listener (an accept failing when the process is out of file handles) would end the process:
    // it refuses one client instead, logged and counted as an internal error.
    server.on('error', listenerError(lifeline, 'HTTP server'));
    const listen = lifeline.config.metrics.listen;
    metrics = listen ? await listenForMetrics(lifeline.metrics, listen.host, listen.port, listenerError(lifeline, 'metrics listener')) : null;
  } catch (e) {
    // Nothing half-started outlives a failed start (a follower tries again, and again).
    detach();
    await stopBus();
    throw e;
  }
  const addr = server.address();
  const url = typeof addr === 'object' && addr ? `http://${addr.address}:${addr.port}` : '';
  return {
    lifeline,
    app,
    url,
    metricsUrl: metrics?.url ?? null,
    close: async () => {
      lifeline.quiesce(); // gateway links closed below are the router stopping, not a channel failing
      detach();
      // Each part is closed even if one before it failed: the port above all, which a node taking
      // over needs. The first failure is thrown once all are done.
      await closeEach([stopBus, async () => metrics?.close(), () => app.close(), () => lifeline.stop()]);
    },
  };
}

/**
 * Said when an address is past `security.maxConnectionsPerAddress`: counted at every refusal,
 * logged at most once a minute (a flood of refusals must not become a flood of log lines).
 */
function refusedConnection(lifeline: Lifeline<NodeCore>): (address: string) => void {
  const log = onceAMinute(lifeline, (n, address: string) =>
    lifeline.log.warn(`connections: refused ${n} past security.maxConnectionsPerAddress (${lifeline.config.security.maxConnectionsPerAddress}), the last from ${address}`),
  );
  return (address) => {
    lifeline.metrics.rejected('http', 'too_many_connections');
    log(address);
  };
}

/**
 * A listening server's error (an accept failing while the process is out of file handles): each
 * is counted as an internal error, but logged at most once a minute with how many came, since
 * they come once per refused client, in a flood, and a stack per client would add to it.
 */
function listenerError(lifeline: Lifeline<NodeCore>, what: string): (e: Error) => void {
  // A logged error is counted by the log; one not logged is counted here.
  return onceAMinute(
    lifeline,
    (n, e: Error) => lifeline.log.error(`${what} error (${n} in the last minute at most); serving on`, { err: e.stack ?? String(e) }),
    () => lifeline.metrics.internalError(),
  );
}

/** Calls `log` with how many came (this one included) at most once a minute; `skipped` for the others. */
function onceAMinute<T>(lifeline: Lifeline<NodeCore>, log: (n: number, last: T) => void, skipped: () => void = () => {}): (last: T) => void {
  let loggedAt = -Infinity;
  let unlogged = 0;
  return (last) => {
    unlogged++;
    const now = lifeline.clock.now();
    if (now - loggedAt < 60_000) return skipped();
    log(unlogged, last);
    loggedAt = now;
    unlogged = 0;
  };
}

/** Runs every step in turn whatever the others do; throws the first failure at the end. */
async function closeEach(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  let first: unknown = null;
  for (const step of steps) await step().catch((e: unknown) => (first ??= e));
  if (first !== null) throw first;
}
