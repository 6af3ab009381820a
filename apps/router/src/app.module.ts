import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { ApiController } from './http/api.controller';
import { DrillsController } from './http/drills.controller';
import { ErrorFilter } from './http/errors';
import { OrdersController } from './http/orders.controller';
import { Lifeline } from './lifeline';
import { MetricsService } from './metrics/metrics.service';

@Module({})
export class AppModule {
  /** The router is built before Nest (it opens the database and connects gateways); Nest serves it. */
  static forLifeline(lifeline: Lifeline): DynamicModule {
    return {
      module: AppModule,
      controllers: [ApiController, DrillsController, OrdersController],
      providers: [
        { provide: Lifeline, useValue: lifeline },
        { provide: MetricsService, useFactory: () => new MetricsService(lifeline) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
