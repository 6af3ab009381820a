export * from './xml-tree';
export * from './cap-alert';
export * from './cap-read';
export * from './cap-orders';
export * from './cap-write';
export * from './order-to-cap';
export * from './cap-feed';
