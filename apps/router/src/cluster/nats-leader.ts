import { REQUEST_ERROR_CODES, RequestError, type Accepted, type Leader, type Principal } from '@lifeline/engine';
import type { OrderSpec } from '@lifeline/domain';
import { catchError, EMPTY, first, firstValueFrom, mergeMap, timeout, timer } from 'rxjs';
import { z } from 'zod';
import type { BusLink } from './bus-link';
import { acceptedValue, answerMessage, SUBJECTS, UNREAD_BUS_MESSAGE } from './bus-messages';

/** A message NATS carries whole (its default max_payload is 1 MB), with room for Nest's envelope. */
export const MAX_MESSAGE_BYTES = 900 * 1024;
const cancelledValue = z.number().int().nonnegative();
const CODES = new Set<string>(REQUEST_ERROR_CODES);


/**
 * The active node as a follower reaches it: a request over NATS, answered after the active node
 * committed. Core NATS drops a request that finds no subscriber (no active node for the moment,
 * a takeover under way), so one not answered is asked again every `resendMs`, the first answer
 * counting: an order is found again by its clientRef and a cancel is idempotent, so a repeat
 * changes nothing. No answer within `timeoutMs` (no active node all along, the bus down) is
 * `not_active`: the client tries again, and an order that did commit is not made twice.
 */
export class NatsLeader implements Leader {
  constructor(
    private readonly bus: BusLink,
    private readonly timeoutMs: number,
    private readonly resendMs: number,
    /** The sha256 of the token a client of this node signed in with (AuthService.tokenHashOf). */
    private readonly tokenHashes: (p: Principal) => string | null,
  ) {}

  get failure(): string | null {
    return this.bus.connected ? null : 'the bus (NATS) is out of reach: orders cannot be passed on to the active node';
  }

  async accept(p: Principal, clientRef: string, spec: OrderSpec): Promise<Accepted> {
    return this.ask(SUBJECTS.accept, { ...this.from(p), clientRef, order: spec }, acceptedValue);
  }

  async cancel(p: Principal, orderId: string): Promise<number> {
    return this.ask(SUBJECTS.cancel, { ...this.from(p), orderId }, cancelledValue);
  }

  /** Who a request is from, as the bus carries it: the client's token's sha256 (authenticated again there) and address. */
  private from(p: Principal): { tokenHash: string; address?: string } {
    const tokenHash = this.tokenHashes(p);
    if (!tokenHash) throw new RequestError('forbidden', 'this request has no token of its own to pass on to the active node');
    return { tokenHash, ...(p.address ? { address: p.address.slice(0, 100) } : {}) };
  }

  private async ask<T extends z.ZodType>(subject: string, message: unknown, value: T): Promise<z.output<T>> {
    if (Buffer.byteLength(JSON.stringify(message)) > MAX_MESSAGE_BYTES)
      throw new RequestError('too_large', `an order passed on to the active node may be at most ${MAX_MESSAGE_BYTES} bytes (the bus carries no more): send it to the active node itself`);
    // The bus out of reach: nothing can be passed on, so say so now rather than after the timeout.
    if (!this.bus.connected) throw new RequestError('not_active', `${this.failure}; send it again shortly`);
    let raw: unknown;
    try {
      // A try that fails at once (the connection down for the moment) waits for the next one.
      const tries = timer(0, this.resendMs).pipe(mergeMap(() => this.bus.client.send(subject, message).pipe(catchError(() => EMPTY))));
      raw = await firstValueFrom(tries.pipe(first(), timeout(this.timeoutMs)));
    } catch (e) {
      throw new RequestError('not_active', `no active node answered (${(e as Error).message || 'no answer'}): nothing is known to be done; send it again (the same clientRef is never accepted twice)`);
    }
    const answer = answerMessage.safeParse(raw);
    if (!answer.success) throw new RequestError('not_active', 'the active node answered in a form this node does not read: send it again');
    if (!answer.data.ok) {
      const { code, message, issues } = answer.data.error;
      // An active node of an earlier version could not read this node's message: not the client's fault.
      if (message.startsWith(UNREAD_BUS_MESSAGE)) throw new RequestError('not_active', `the active node could not read this node's message (another version?): ${message}`);
      throw new RequestError(CODES.has(code) ? (code as RequestError['code']) : 'not_active', message, issues ?? []);
    }
    const v = value.safeParse(answer.data.value);
    if (!v.success) throw new RequestError('not_active', 'the active node answered in a form this node does not read: send it again');
    return v.data;
  }
}
