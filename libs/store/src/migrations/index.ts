import { Initial1767225600000 } from './1767225600000-initial';
import { Outages1767312000000 } from './1767312000000-outages';
import { RelayMissions1767398400000 } from './1767398400000-relay-missions';
import { NewDeliveriesIndex1767484800000 } from './1767484800000-new-deliveries-index';
import { AuditAndTokenBounds1767571200000 } from './1767571200000-audit-and-token-bounds';
import { ChannelStates1767657600000 } from './1767657600000-channel-states';
import { FinalDeliveries1767744000000 } from './1767744000000-final-deliveries';
import { WriterLease1767830400000 } from './1767830400000-writer-lease';
import { Geography1767916800000 } from './1767916800000-geography';
import { Alerts1768003200000 } from './1768003200000-alerts';
import { EventSeq1768089600000 } from './1768089600000-event-seq';
import { WorkLeases1768176000000 } from './1768176000000-work-leases';
import { AlertsPerConsole1768262400000 } from './1768262400000-alerts-per-console';
import { WorkPartitions1768348800000 } from './1768348800000-work-partitions';
import { LaneHolders1768435200000 } from './1768435200000-lane-holders';
import { OrderSupersedes1768525200000 } from './1768525200000-order-supersedes';
import { OrderStatusIndex1768611600000 } from './1768611600000-order-status-index';

/** Every migration, oldest first: TypeORM runs the ones a database has not seen, on SQLite and PostgreSQL alike. */
export const MIGRATIONS = [
  Initial1767225600000,
  Outages1767312000000,
  RelayMissions1767398400000,
  NewDeliveriesIndex1767484800000,
  AuditAndTokenBounds1767571200000,
  ChannelStates1767657600000,
  FinalDeliveries1767744000000,
  WriterLease1767830400000,
  Geography1767916800000,
  Alerts1768003200000,
  EventSeq1768089600000,
  WorkLeases1768176000000,
  AlertsPerConsole1768262400000,
  WorkPartitions1768348800000,
  LaneHolders1768435200000,
  OrderSupersedes1768525200000,
  OrderStatusIndex1768611600000,
];
