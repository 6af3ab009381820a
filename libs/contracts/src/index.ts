export * from './common';
export * from './geo';
export * from './order';
export * from './console-frames';
export * from './gateway-frames';
export * from './http-bodies';
export * from './http-answers';
export * from './openapi';
