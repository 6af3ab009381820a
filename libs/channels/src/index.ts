export * from './gateway-link';
export * from './simulator';
export * from './simulated-people';
