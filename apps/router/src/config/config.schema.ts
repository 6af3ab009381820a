import { z } from 'zod';
import { isNatsUrl } from '@lifeline/gateway-sdk';
import { CHANNEL_CATALOG, CHANNEL_KINDS, PRIORITIES, TERMINAL_KINDS } from '@lifeline/domain';
import { CAP_CATEGORIES, CAP_TOKEN, CAP_CERTAINTIES, CAP_RESPONSE_TYPES, CAP_SEVERITIES, CAP_URGENCIES, DEFAULT_GBT_POLICY } from '@lifeline/cap';
import { areaGeometry, lonLat, TOKEN_ROLES } from '@lifeline/contracts';

/** Minutes east of UTC of a local time; Beijing (480) by default. */
const utcOffsetMin = z.number().int().min(-720).max(840).default(480);

const range = z.tuple([z.number().min(0), z.number().min(0)]).refine(([a, b]) => a <= b, 'expected [min, max] with min <= max');

const textLimit = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sms'), maxSegments: z.number().int().min(1).max(16) }),
  z.strictObject({ kind: z.literal('chars'), maxChars: z.number().int().min(10) }),
  // Counted as the Beidou adapter sends: `mode` is its contentMode (mixed 2; chinese 0, and bds3).
  z.strictObject({
    kind: z.literal('bits'),
    maxBits: z.number().int().min(56),
    mode: z.enum(['mixed', 'chinese']).default('mixed'),
    /** An older config's key: the bits a character takes now follow from the mode, as the adapter encodes. */
    bitsPerChar: z.never({ error: 'replaced by mode: mixed (the adapter\'s contentMode 2) or chinese (contentMode 0, and bds3), which count as the adapter encodes' }).optional(),
  }),
]);

const simulator = z.strictObject({
  /** Areas the simulated gateway reaches at hello; default: the whole directory. */
  areas: z.array(z.string()).optional(),
  window: z.number().int().min(1).default(1000),
  acceptMs: range.default([50, 500]),
  deliverMs: range.default([1000, 10000]),
  loss: z.number().min(0).max(1).default(0),
  ratePerS: z.number().positive().default(1000),
  minIntervalMs: z.number().min(0).default(0),
  concurrent: z.number().int().min(0).default(0),
  replyProbability: z.number().min(0).max(1).default(0.6),
  replyDelayMs: range.default([30_000, 300_000]),
  invalidPrefix: z.string().nullable().default(null),
  /** False: the simulated gateway gives no delivery receipts (see the channel's presumeDeliveredS). */
  receipts: z.boolean().default(true),
  coverage: z.strictObject({ areas: z.array(z.string()).min(1), forS: z.number().positive() }).nullable().default(null),
});

const channel = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case channel id'),
  kind: z.enum(CHANNEL_KINDS),
  terminal: z.enum(TERMINAL_KINDS).optional(),
  narrowband: z.boolean().optional(),
  text: textLimit,
  acceptTimeoutS: z.number().positive().default(30),
  deliveryTimeoutS: z.number().positive().default(120),
  /** Gateways of this channel give no delivery receipts: an order asking no answer is delivered this long after `accepted`. */
  presumeDeliveredS: z.number().min(0).nullable().default(null),
  capacity: z.strictObject({
    ratePerS: z.number().positive(),
    burst: z.number().min(1).optional(),
    areaDepth: z.number().int().min(0).default(0),
  }),
  breaker: z
    .strictObject({
      failures: z.number().int().min(1).default(5),
      backoffS: z.number().positive().default(30),
      maxBackoffS: z.number().positive().default(600),
      areaDepth: z.number().int().min(0).default(2),
    })
    .prefault({}),
  /** Hours base stations of this channel last on battery after mains loss (drills). */
  batteryH: z.number().min(0).nullable().default(null),
  simulator: simulator.prefault({}),
}).superRefine((c, ctx) => {
  // The kind says how its payload is limited (the catalog); the config gives only the amounts.
  const want = CHANNEL_CATALOG[c.kind].text;
  if (c.text.kind !== want) ctx.addIssue({ code: 'custom', path: ['text', 'kind'], message: `a ${c.kind} channel's texts are limited by ${want}, not ${c.text.kind}` });
});

const listen = z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) });

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(3000),
      /** Open connections (HTTP and WebSocket) at once; more are refused by the operating system's backlog. */
      maxConnections: z.number().int().min(10).default(10_000),
      /**
       * Every WebSocket is pinged this often; one that has not answered the last ping is closed: a
       * peer gone without a word (a laptop asleep, a NAT that forgot it) gives its places back.
       */
      pingS: z.number().min(0.05).max(3_600).default(30),
      /** The browser console's built files (`npm run build`), served at `/`; relative to the working directory; '' serves none. */
      console: z.string().default('dist/console'),
    })
    .prefault({}),
  security: z
    .strictObject({
      /** Failed authentications per client address and window before 429 (valid tokens are never slowed). */
      authFailures: z.strictObject({ limit: z.number().int().min(1).default(20), windowS: z.number().positive().default(60) }).prefault({}),
      /**
       * Open connections (HTTP and WebSocket) from one client address; more are cut at once. A
       * command centre behind one NAT address shares it (a browser holds up to 7 per desk); behind
       * a proxy every client has the proxy's address: set it to `server.maxConnections` there.
       */
      maxConnectionsPerAddress: z.number().int().min(1).default(1_000),
      /** Open WebSockets (`/ws` and `/gateway` together) per token; more are refused with 429. */
      maxSocketsPerToken: z.number().int().min(1).default(100),
      /** Bytes waiting unread on all of one token's console sockets; past it the socket adding to it is closed as too slow. */
      maxBufferedPerTokenMB: z.number().positive().default(64),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** `/metrics` on the main port needs a `metrics` or `admin` token. */
      requireToken: z.boolean().default(true),
      /** A second listener serving only `/metrics`, without a token: bind it to a management network. */
      listen: listen.nullable().default(null),
    })
    .prefault({}),
  database: z.string().default('data/lifeline.db'),
  cluster: z
    .strictObject({
      /** Wait as a standby while another node writes the (PostgreSQL) database; take over when it is gone. */
      standby: z.boolean().default(false),
      /** This node's name in the writer lease and `/health`; default host:pid. */
      node: z.string().min(1).max(100).optional(),
      /** Seconds a writer may go without a heartbeat before a standby fences it off and takes over. */
      leaseS: z.number().min(1).max(300).default(10),
      /**
       * The cluster's bus (`nats://host:port`, several comma-separated, credentials as
       * `nats://user:password@host:port`, `tls://` to insist on TLS): with it a standby is a follower that serves consoles
       * and passes orders on to the active node.
       */
      bus: z.string().refine(isNatsUrl, 'expected nats://[user:password@]host:port (or tls://), several comma-separated').nullable().default(null),
      /** Milliseconds between a follower's looks at the events table when no wake-up came. */
      pollMs: z.number().int().min(50).max(60_000).default(1000),
      /**
       * With a bus and `engine.lanes` above one: the active node hands lanes of its delivery work
       * to followers (lane 0 stays with it), and a follower offers to carry them out.
       */
      shareLanes: z.boolean().default(true),
    })
    .prefault({}),
  /** How alerts received in CAP 1.2 (`POST /api/cap`) become orders. */
  cap: z
    .strictObject({
      /** Preferred info languages, best first. */
      languages: z.array(z.string().min(1)).min(1).default(['zh-CN', 'zh']),
      geocodes: z
        .strictObject({
          /** Geocode value names whose values are 12-digit division codes (GB/T 2260 and town, village). */
          valueNames: z.array(z.string().min(1)).default(['GB/T 2260', 'GB2260', 'GBT2260', 'AREACODE', 'ADCODE']),
          /** Codes named outright: geocode value -> area code of the directory. */
          map: z.record(z.string(), z.string()).default({}),
        })
        .prefault({}),
      /** The first rule whose lists all match sets the priority; a list left out matches anything. */
      priority: z
        .array(
          z.strictObject({
            severity: z.array(z.enum(CAP_SEVERITIES)).optional(),
            urgency: z.array(z.enum(CAP_URGENCIES)).optional(),
            certainty: z.array(z.enum(CAP_CERTAINTIES)).optional(),
            priority: z.enum(PRIORITIES),
          }),
        )
        .default([
          { severity: ['Extreme'], urgency: ['Immediate'], priority: 'flash' },
          { severity: ['Extreme', 'Severe'], urgency: ['Immediate', 'Expected'], priority: 'immediate' },
          { severity: ['Extreme', 'Severe', 'Moderate'], priority: 'priority' },
        ]),
      defaultPriority: z.enum(PRIORITIES).default('routine'),
      /** Response types that ask people to answer (叫应). */
      answerFor: z.array(z.enum(CAP_RESPONSE_TYPES)).default(['Evacuate', 'Shelter', 'Execute']),
      ackWithinS: z.number().int().min(10).default(600),
      /** Time to live of an info without `expires`. */
      defaultTtlS: z.number().int().min(10).max(30 * 86_400).default(6 * 3_600),
      /** Who Lifeline is in the alerts it writes (orders as CAP, the feed). */
      issuer: z
        .strictObject({
          sender: z.string().regex(CAP_TOKEN, 'expected no spaces, commas, < or &').default('lifeline.local'),
          senderName: z.string().min(1).default('Lifeline'),
          /** Minutes east of UTC for written times: 480 is Beijing time. */
          utcOffsetMin,
        })
        .prefault({}),
      /** GB/T 35965.1: this router's issuer code and how event types map (see the README's assumptions). */
      gbt35965: z
        .strictObject({
          /** 14 digits: division (GB/T 2260), institution (GB/T 4657), unit, extension; default the root area's division and zeros. */
          senderCode: z.string().regex(/^\d{14}$/, 'expected 14 digits').optional(),
          /** GB/T 35561 event type code prefix -> CAP category, longest prefix first. */
          categories: z.record(z.string().regex(/^\d{2}[A-Z]?$/, 'expected an event type prefix like 11 or 11B'), z.enum(CAP_CATEGORIES)).default(DEFAULT_GBT_POLICY.categories),
          defaultEventType: z.string().regex(/^\d{2}[A-Z]\d{2}$/, 'expected a GB/T 35561 code like 11B00').default(DEFAULT_GBT_POLICY.defaultEventType),
          /** Warning colour -> CAP severity (an assumption of the README; orders written out take the gravest colour of their severity). */
          severities: z
            .strictObject({
              Red: z.enum(CAP_SEVERITIES).default(DEFAULT_GBT_POLICY.severities.Red),
              Orange: z.enum(CAP_SEVERITIES).default(DEFAULT_GBT_POLICY.severities.Orange),
              Yellow: z.enum(CAP_SEVERITIES).default(DEFAULT_GBT_POLICY.severities.Yellow),
              Blue: z.enum(CAP_SEVERITIES).default(DEFAULT_GBT_POLICY.severities.Blue),
              Unknown: z.enum(CAP_SEVERITIES).default(DEFAULT_GBT_POLICY.severities.Unknown),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info') }).prefault({}),
  directory: z.string().default('config/directory.yaml'),
  tokens: z.string().default('config/tokens.yaml'),
  graceS: z.number().int().min(0).default(60),
  retry: z.strictObject({ baseS: z.number().positive().default(30), maxS: z.number().positive().default(300) }).prefault({}),
  engine: z
    .strictObject({
      startBatch: z.number().int().min(1).default(500),
      dispatchHighWater: z.number().int().min(10).default(20_000),
      eventBatch: z.number().int().min(1).default(500),
      /**
       * Writers of the delivery work on PostgreSQL, each on a session of its own over its share of
       * the 64 work partitions, committing at the same time (SQLite has one writer per file). Two
       * by default: more deliver faster but keep the node's thread busier (flash orders wait).
       */
      lanes: z.number().int().min(1).max(16).default(2),
      /** After a start, seconds gateways of other processes have to reconnect before their channels are published down. */
      gatewayGraceS: z.number().min(0).default(30),
      /** A gateway's link that drops and returns within this keeps its sends in flight (a blip is not an outage). */
      linkGraceS: z.number().min(0).default(10),
    })
    .prefault({}),
  preference: z
    .partialRecord(z.enum([...PRIORITIES, 'default']), z.array(z.string()).min(1))
    .refine((p) => p.default !== undefined, 'expected a default preference list'),
  channels: z.array(channel).min(1),
  simulation: z
    .strictObject({
      seed: z.number().int().default(1),
      /**
       * The people behind simulated terminals (drills): answers, delays and phones off by role and
       * time of day. Null: every person answers as the channel's simulator says.
       */
      people: z
        .strictObject({
          rules: z
            .array(
              z.strictObject({
                roles: z.array(z.string().min(1)).min(1).nullable(),
                answer: z.number().min(0).max(1),
                delayS: range,
                phoneOff: z.number().min(0).max(1).default(0),
              }),
            )
            .min(1),
          night: z
            .strictObject({
              fromHour: z.number().int().min(0).max(23).default(0),
              toHour: z.number().int().min(0).max(24).default(6),
              answerFactor: z.number().min(0).max(1).default(1),
              delayFactor: z.number().min(1).default(1),
            })
            .prefault({}),
          utcOffsetMin,
        })
        .nullable()
        .default(null),
    })
    .prefault({}),
  relays: z
    .strictObject({
      areaDepth: z.number().int().min(0).default(2),
      checkEveryS: z.number().positive().default(60),
      resources: z
        .array(
          z.strictObject({
            id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case id (it is also the gatewayId of the resource)'),
            channel: z.string(),
            by: z.enum(['air', 'road']),
            base: z.string(),
            arrivalS: z.number().min(0),
            onStationS: z.number().positive(),
            capacity: z.number().int().min(1),
          }),
        )
        .default([]),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ChannelConfig = Config['channels'][number];

export const directorySchema = z.strictObject({
  areas: z
    .array(z.strictObject({ code: z.string().min(1), name: z.string().min(1), parent: z.string().nullable(), geometry: areaGeometry.optional() }))
    .min(1),
  people: z.array(
    z.strictObject({
      id: z.string().min(1),
      name: z.string().min(1),
      area: z.string().min(1),
      roles: z.array(z.string()).default([]),
      terminals: z.partialRecord(z.enum(TERMINAL_KINDS), z.string().min(1)),
      /** [longitude, latitude], GeoJSON order. */
      location: lonLat.optional(),
    }),
  ),
});
export type DirectoryFile = z.output<typeof directorySchema>;

export const tokensSchema = z.strictObject({
  tokens: z.array(
    z.strictObject({
      name: z.string().min(1),
      role: z.enum(TOKEN_ROLES),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the token as a 64-character lower-case sha256 hex digest'),
      /** Leave out for every area; an empty list would be a token for nothing. */
      areas: z.array(z.string()).min(1, 'expected at least one area; leave areas out for every area').optional(),
      channel: z.string().optional(),
      gatewayIds: z.array(z.string()).min(1).optional(),
    }),
  ),
});
export type TokensFile = z.output<typeof tokensSchema>;
