import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { Lifeline, type LifelineOptions } from './lifeline';
import { attachSockets } from './ws/upgrade';
import { consoleSocket } from './ws/console.socket';
import { gatewaySocket } from './ws/gateway.socket';

export interface RunningServer {
  lifeline: Lifeline;
  app: NestExpressApplication;
  url: string;
  close(): Promise<void>;
}

/** Builds the router and serves HTTP and both WebSocket endpoints on one port. */
export async function startServer(o: LifelineOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const lifeline = await Lifeline.create(o);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forLifeline(lifeline), { logger: ['error', 'warn'], bodyParser: false });
  app.useBodyParser('json', { limit: '2mb' });
  await app.init();
  const server = app.getHttpServer() as Server;
  const detach = attachSockets(server, lifeline, {
    '/ws': { roles: ['console', 'drill'], handler: consoleSocket(lifeline) },
    '/gateway': { roles: ['gateway'], handler: gatewaySocket(lifeline) },
  });
  await app.listen(o.port ?? o.config.server.port, o.host ?? o.config.server.host);
  const addr = server.address();
  const url = typeof addr === 'object' && addr ? `http://${addr.address}:${addr.port}` : '';
  return {
    lifeline,
    app,
    url,
    close: async () => {
      detach();
      await app.close();
      await lifeline.stop();
    },
  };
}
