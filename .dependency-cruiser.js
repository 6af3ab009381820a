/**
 * The layer rule of ARCHITECTURE.md, checked by `npm test`: pure domain and machines, storage,
 * channels and engine below, apps on top. A violation names the file and the forbidden import.
 */
const lib = (name) => `^libs/${name}/`;
const forbid = (name, from, to, comment) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } });
const NEST_ORM_IO = '^(node_modules/(@nestjs|typeorm|better-sqlite3|ws|express|rxjs)/|fs$|node:fs$)';

module.exports = {
  forbidden: [
    forbid('clock-stands-alone', lib('clock'), `^libs/(?!clock/)|^apps/|^node_modules/(@nestjs|typeorm|better-sqlite3|ws|express|rxjs)/`, 'libs/clock: the one clock library (system and virtual time), for router, drills and SDK alike'),
    forbid('domain-is-pure', lib('domain'), `${NEST_ORM_IO}|^libs/(?!domain/)|^apps/`, 'libs/domain: plain TypeScript, no Nest, TypeORM, ws, fs or other layers'),
    forbid('domain-no-node', lib('domain'), '^(node:|crypto$|http$|net$|child_process$)', 'libs/domain does no I/O'),
    forbid('machines-pure', lib('machines'), `${NEST_ORM_IO}|^libs/(?!(machines|domain)/)|^apps/`, 'libs/machines: domain and xstate only'),
    forbid('contracts-zod-only', lib('contracts'), `${NEST_ORM_IO}|^libs/(?!(contracts|domain)/)|^apps/`, 'libs/contracts: zod (and domain constants) only, so clients can use it'),
    forbid('cap-is-a-codec', lib('cap'), `${NEST_ORM_IO}|^libs/(?!(cap|domain)/)|^apps/`, 'libs/cap: CAP 1.2 and GB/T 35965.1 read and written, pure: domain types, an XML parser, no I/O'),
    forbid('store-below-engine', lib('store'), '^(node_modules/(@nestjs|ws|express)/)|^libs/(engine|channels|contracts)/|^apps/', 'libs/store: domain, machines types and typeorm'),
    forbid('channels-no-store', lib('channels'), '^(node_modules/(@nestjs|typeorm|better-sqlite3|express)/)|^libs/(store|engine|machines)/|^apps/', 'libs/channels: domain and contracts; it talks to the router only through the gateway-link port'),
    forbid('engine-no-nest', lib('engine'), '^(node_modules/(@nestjs|typeorm|ws|express)/)|^apps/', 'libs/engine: no Nest, no TypeORM (through libs/store), no transports'),
    forbid('sdk-stands-alone', lib('gateway-sdk'), '^(node_modules/(@nestjs|typeorm|better-sqlite3|express)/)|^libs/(store|engine|machines|channels)/|^apps/', 'libs/gateway-sdk: contracts, domain types and ws, so an adapter process carries nothing of the router'),
    forbid('adapters-use-the-sdk', '^apps/gateway-', '^libs/(store|engine|machines|channels)/|^apps/router/', 'adapters reach the router only through the gateway link (libs/gateway-sdk)'),
    {
      ...forbid('console-uses-the-contract', '^apps/console/', '^libs/(?!(contracts|domain)/)|^apps/(?!console/)|^node_modules/(?!(preact|zod|@turf|point-in-polygon-hao)/)', 'apps/console: a browser app, talking to the router through the public contract (libs/contracts) only'),
      // Its unit tests (*.spec.ts) run under jest in Node, and import jest's globals.
      from: { path: '^apps/console/', pathNot: '\\.spec\\.ts$' },
    },
    forbid('nothing-imports-the-console', '^(libs|apps/(?!console/))', '^apps/console/', 'the console is a client of the router, not a part of it'),
    forbid('no-typeorm-outside-store', '^(apps|libs/(?!store/))', '^node_modules/typeorm/', 'TypeORM stays inside libs/store'),
    forbid('drivers-stay-in-store', '^(apps|libs/(?!store/))', '^node_modules/(better-sqlite3|pg)/', 'the database drivers stay inside libs/store, where each dialect is written'),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
