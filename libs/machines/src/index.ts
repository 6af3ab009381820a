export * from './delivery/delivery.types';
export * from './delivery/delivery.machine';
export * from './delivery/delivery.runner';
export * from './health/health.machine';
