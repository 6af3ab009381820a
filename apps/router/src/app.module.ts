import type { NodeCore } from '@lifeline/engine';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type pino from 'pino';
import { AuthGuard } from './auth/auth.guard';
import { CapController } from './http/cap.controller';
import { ApiController } from './http/api.controller';
import { DrillsController } from './http/drills.controller';
import { ErrorFilter } from './http/errors';
import { OrdersController } from './http/orders.controller';
import { Lifeline } from './lifeline';

@Module({})
export class AppModule {
  /** The router is built before Nest (it opens the database and connects gateways); Nest serves it. */
  static forLifeline(lifeline: Lifeline<NodeCore>, logger: pino.Logger, bus: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      // Nest's own messages through the router's JSON log; requests are not logged one by one
      // (metrics count them), and refusals are counted by code.
      // Nest's start-up chatter (modules, routes) stays below warn.
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: logger.child({}, { level: logger.levelVal > 40 ? logger.level : 'warn' }), autoLogging: false, quietReqLogger: true } })],
      controllers: [ApiController, CapController, DrillsController, OrdersController, ...bus],
      providers: [
        { provide: Lifeline, useValue: lifeline },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
