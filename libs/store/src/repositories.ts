import { AlertRepo } from './alert.repo';
import { AttemptRepo } from './attempt.repo';
import { AuditRepo } from './audit.repo';
import { ChannelStateRepo } from './channel-state.repo';
import { DeliveryRepo } from './delivery.repo';
import { DirectoryRepo } from './directory.repo';
import { EventRepo } from './event.repo';
import { MetaRepo } from './meta.repo';
import { MissionRepo } from './mission.repo';
import { OrderRepo } from './order.repo';
import { OutageRepo } from './outage.repo';
import type { Repositories } from './port';
import type { SqlRunner } from './sql';
import { TimerRepo } from './timer.repo';
import { TokenRepo } from './token.repo';

/** Every repository over one runner: the committed state (a pool) or one transaction (the writer's connection). */
export function createRepositories(db: SqlRunner): Repositories {
  return {
    directory: new DirectoryRepo(db),
    orders: new OrderRepo(db),
    deliveries: new DeliveryRepo(db),
    attempts: new AttemptRepo(db),
    events: new EventRepo(db),
    timers: new TimerRepo(db),
    tokens: new TokenRepo(db),
    meta: new MetaRepo(db),
    outages: new OutageRepo(db),
    missions: new MissionRepo(db),
    audit: new AuditRepo(db),
    channelStates: new ChannelStateRepo(db),
    alerts: new AlertRepo(db),
  };
}
