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
import type { StandbyListener } from './cluster/standby-listener';
import { Lifeline, type LifelineOptions } from './lifeline';
import { asLog } from './log/json-log';
import { ALERT_MEDIA_TYPES } from '@lifeline/contracts';
import { listenForMetrics } from './metrics/metrics-listener';
import { attachSockets } from './ws/upgrade';
import { consoleSocket } from './ws/console.socket';
import { gatewaySocket } from './ws/gateway.socket';

/**
 * The browser console at `/`: static files only, talking to the router through the public API
 * like any other client. Missing (not built) is said once in the log, not an error.
 */
function serveConsole(app: NestExpressApplication, dir: string, lifeline: Lifeline): void {
  if (!dir) return;
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    lifeline.log.warn(`console: no ${join(root, 'index.html')} (npm run build makes it); / serves nothing`);
    return;
  }
  app.useStaticAssets(root, { index: 'index.html', fallthrough: true, redirect: false });
}

export interface RunningServer {
  lifeline: Lifeline;
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
export async function startServer(o: LifelineOptions & { host?: string; port?: number; logger?: pino.Logger; standby?: StandbyListener }): Promise<RunningServer> {
  const logger = o.logger ?? pino({ level: 'silent' });
  const lifeline = await Lifeline.create({ ...o, log: o.log ?? asLog(logger) });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forLifeline(lifeline, logger), { bufferLogs: true, bodyParser: false });
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
  serveConsole(app, o.config.server.console, lifeline);
  app.useBodyParser('json', { limit: '2mb' });
  app.useBodyParser('text', { type: ALERT_MEDIA_TYPES, limit: '1mb' });
  await app.init();
  const server = app.getHttpServer() as Server;
  // Slow clients (headers a byte at a time) are cut off; past maxConnections the kernel refuses.
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = o.config.server.maxConnections;
  const detach = attachSockets(server, lifeline, {
    '/ws': { roles: ['console', 'drill'], handler: consoleSocket(lifeline) },
    '/gateway': { roles: ['gateway'], only: true, handler: gatewaySocket(lifeline) },
  });
  // A standby served its port while it waited: the router takes the same port over.
  await o.standby?.close();
  await app.listen(o.standby?.port ?? o.port ?? o.config.server.port, o.host ?? o.config.server.host);
  const listen = o.config.metrics.listen;
  const metrics = listen ? await listenForMetrics(lifeline.metrics, listen.host, listen.port) : null;
  const addr = server.address();
  const url = typeof addr === 'object' && addr ? `http://${addr.address}:${addr.port}` : '';
  return {
    lifeline,
    app,
    url,
    metricsUrl: metrics?.url ?? null,
    close: async () => {
      lifeline.core.quiesce(); // gateway links closed below are the router stopping, not a channel failing
      detach();
      await metrics?.close();
      await app.close();
      await lifeline.stop();
    },
  };
}
