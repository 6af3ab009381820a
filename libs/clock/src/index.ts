export * from './clock';
export * from './clocks';
