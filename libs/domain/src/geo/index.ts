export * from './geometry';
export * from './fence';
export * from './polygon-problems';
