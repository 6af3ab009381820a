import { clientRef, describeIssues, orderSpec, summarizeIssues, type BoundaryIssue } from '@lifeline/contracts';
import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What nodes of a cluster say to each other over the bus (NATS, through @nestjs/microservices).
 * The bus is a way to be quick, never the record: a message it drops is found again from rows
 * (a follower polls the events table; a client whose order got no answer sends it again with the
 * same clientRef). Every message is parsed here before anything acts on it.
 */
export const SUBJECTS = {
  /** Follower → active node, request/reply: accept this order for this token. */
  accept: 'lifeline.orders.accept',
  /** Follower → active node, request/reply: cancel this order for this token. */
  cancel: 'lifeline.orders.cancel',
  /** Active node → every node: events were committed up to this seq; read them. */
  committed: 'lifeline.events.committed',
  /** Active node → every node: this token was revoked; cut its sockets. */
  revoked: 'lifeline.tokens.revoked',
  /** Follower → active node, every second: this node may carry out lanes of the delivery work. */
  lanesOffer: 'lifeline.lanes.offer',
} as const;

/**
 * Active node → one follower, request/reply: carry out this lane job (`LaneJobMessage`). One
 * subject per node, by a digest of its name (a name may hold dots, which NATS reads as levels).
 */
export function laneJobSubject(node: string): string {
  return `lifeline.lanes.job.${createHash('sha256').update(node).digest('hex').slice(0, 24)}`;
}

/**
 * The sha256 (hex) of the client's own bearer token: the active node authenticates it itself
 * (revoked, role, areas), so a message on the bus is worth no more than the token behind it
 * (anyone who can publish on the bus could name any token id; nobody can make up a token), and a
 * digest overheard on the bus opens no HTTP API or socket.
 */
const tokenHash = z.string().regex(/^[0-9a-f]{64}$/, 'expected the sha256 of a token, in hex');
/** The client's address, as the node it spoke to saw it: for the audit trail. */
const address = z.string().max(100).optional();

export const acceptMessage = z.strictObject({ tokenHash, address, clientRef, order: orderSpec });
export const cancelMessage = z.strictObject({ tokenHash, address, orderId: z.string().min(1).max(100) });
export const committedMessage = z.strictObject({ seq: z.number().int().nonnegative() });
export const revokedMessage = z.strictObject({ id: z.string().min(1).max(100) });
export const lanesOfferMessage = z.strictObject({ node: z.string().min(1).max(200) });

/** The active node's answer to a request: what it did, or why not, in the API's error shape. */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; issues?: BoundaryIssue[] } };

export const answerMessage = z.union([
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({
    ok: z.literal(false),
    error: z.strictObject({ code: z.string().max(64), message: z.string().max(2000), issues: z.array(z.strictObject({ path: z.string(), message: z.string(), code: z.string() })).optional() }),
  }),
]);

export const acceptedValue = z.strictObject({
  orderId: z.string().max(100),
  ref: z.string().max(10),
  deliveries: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  replayed: z.boolean(),
});

/** How a node says it could not read a bus message (and how a node of an earlier version said it). */
export const UNREAD_BUS_MESSAGE = 'invalid bus message';

/**
 * A parsed message, or the refusal to answer with: `not_active`, not `invalid`. The client's
 * order was checked by the node it spoke to; a message this node cannot read comes from a node of
 * another version (a rolling upgrade) or from no node at all, and either way nothing was done
 * and the client should send it again, which a 400 would tell it not to.
 */
export function parseMessage<T extends z.ZodType>(schema: T, data: unknown): { ok: true; value: z.output<T> } | { ok: false; error: { code: 'not_active'; message: string; issues: BoundaryIssue[] } } {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const issues = describeIssues(r.error);
  return { ok: false, error: { code: 'not_active', message: `${UNREAD_BUS_MESSAGE}: ${summarizeIssues(issues)} (a node of another version? nothing was done)`, issues } };
}
