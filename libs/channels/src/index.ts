export * from './gateway-link';
export * from './simulator';
