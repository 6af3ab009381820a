export * from './gateway-link';
export * from './random';
export * from './simulator';
