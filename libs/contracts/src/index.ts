export * from './common';
export * from './order';
export * from './console-frames';
export * from './gateway-frames';
export * from './http-bodies';
