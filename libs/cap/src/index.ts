export * from './xml-tree';
export * from './cap-alert';
export * from './cap-read';
export * from './cap-orders';
