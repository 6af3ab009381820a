import { z } from 'zod';

/**
 * The gateway link over NATS (contract section 5, "over NATS"): the same frames as on the
 * WebSocket, as JSON messages on subjects of the gateway's own link. A gateway opens a link with
 * its token; what it says goes as requests the router answers once it took them (in order, one
 * at a time), so a frame is either taken or tried again; what the router says is published to
 * the link. A link that is not heard from for `LINK_SILENT_MS` is dropped as a closed socket is.
 */
export const GATEWAY_BUS = {
  /** Request: `linkOpen`; answer: `linkAnswer`. */
  open: 'lifeline.gateway.open',
  /** Router to gateway: frames as on the WebSocket. */
  to: (link: string) => `lifeline.gateway.${link}.to`,
  /** Router to gateway: the link is closed (`linkClosed`): open a new one. */
  closed: (link: string) => `lifeline.gateway.${link}.closed`,
  /** Request, gateway to router: one frame; answer: `linkAnswer` once the router took it. */
  from: (link: string) => `lifeline.gateway.${link}.from`,
  /** Request, gateway to router: still here (every `LINK_ALIVE_MS`); answer: `linkAnswer`. */
  alive: (link: string) => `lifeline.gateway.${link}.alive`,
  /** Gateway to router: the gateway closes the link. */
  bye: (link: string) => `lifeline.gateway.${link}.bye`,
  /**
   * The inbox prefix gateways ask with (nats.js `inboxPrefix`), so that a gateway's NATS user may
   * read answers to gateways (`_INBOX_GATEWAY.>`) and never the nodes' own (`_INBOX.>`).
   */
  inbox: '_INBOX_GATEWAY',
  /** The inbox prefix of a gateway with an owner: its user may read its own answers only. */
  inboxOf: (owner: string) => `_INBOX_GATEWAY.${owner}`,
  /** The link id in a link's subject (`lifeline.gateway.<link>.<kind>`, the link one or two tokens). */
  linkOf: (subject: string) => subject.split('.').slice(2, -1).join('.'),
} as const;

export const LINK_ALIVE_MS = 2_000;
export const LINK_SILENT_MS = 6_000;

/**
 * Who a gateway's link belongs to, when the NATS server gives each gateway a user of its own: one
 * subject token, so that the user's permissions can name it (`lifeline.gateway.<owner>.*.to`).
 */
export const linkOwner = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 letters, digits, _ or -');

/**
 * A link's id, chosen by the gateway (at least 96 random bits): one NATS subject token, or two
 * (`<owner>.<random>`) for a gateway with a NATS user of its own, whose permissions then reach its
 * own links' subjects only.
 */
export const linkId = z.string().regex(/^(?:[A-Za-z0-9_-]{1,64}\.)?[A-Za-z0-9_-]{16,64}$/, 'expected 16 to 64 letters, digits, _ or -, after an owner and a dot or not');

/**
 * `secret`: chosen by the gateway (at least 128 random bits, base64url), carried on every later
 * message of the link. On `open`, which no gateway's NATS user may read, it never travels where
 * another gateway could read it; without it (an earlier SDK) the router makes one and answers it.
 */
export const linkOpen = z.strictObject({
  token: z.string().min(1).max(512),
  link: linkId,
  secret: z.string().regex(/^[A-Za-z0-9_-]{22,86}$/, 'expected 22 to 86 base64url characters').optional(),
});
export type LinkOpen = z.output<typeof linkOpen>;

/**
 * Headers of a link's messages: the secret the router gave the link when it opened it (on every
 * `from`, `alive` and `bye`: without it a message speaks for nobody), and each frame's number on
 * the link (1, 2, …; a frame sent again with its number is taken once).
 */
export const LINK_HEADERS = { secret: 'Lifeline-Link-Secret', seq: 'Lifeline-Frame-Seq' } as const;

/**
 * `unknown_link`: the router does not know the link (it restarted, or dropped it), or the message
 * did not carry its secret: open a new one. The answer to an open carries the link's `secret`.
 */
export const linkAnswer = z.union([
  z.strictObject({ ok: z.literal(true), secret: z.string().min(16).max(64).optional() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }) }),
]);
export type LinkAnswer = z.output<typeof linkAnswer>;

export const linkClosed = z.strictObject({ reason: z.string().max(200) });
