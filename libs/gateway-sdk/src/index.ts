export * from './attempt-ledger';
export * from './backoff';
export * from './gateway-client';
export * from './conformance/fake-router';
export * from './conformance/run-conformance';
export * from './adapter-config';
export * from './serial-line';
export * from './receipt-matcher';
