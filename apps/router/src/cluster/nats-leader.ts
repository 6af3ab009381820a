import { RequestError, type Accepted, type Leader } from '@lifeline/engine';
import type { OrderSpec } from '@lifeline/domain';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { z } from 'zod';
import { acceptedValue, answerMessage, SUBJECTS } from './bus-messages';

/** Codes the active node may refuse with that a follower passes on as they are. */
const PASSED_ON = new Set<RequestError['code']>(['unknown_area', 'unknown_person', 'unknown_channel', 'out_of_scope', 'not_found', 'no_recipients', 'invalid', 'conflict', 'forbidden', 'not_active']);

/**
 * The active node as a follower reaches it: a request over NATS, answered after the active node
 * committed. No answer within `timeoutMs` (no active node now, the bus down, a node that died
 * mid-request) is `not_active`: the client tries again, and an order that did commit is found
 * by its clientRef, not made twice.
 */
export class NatsLeader implements Leader {
  constructor(
    private readonly bus: ClientProxy,
    private readonly timeoutMs: number,
  ) {}

  async accept(tokenId: string, clientRef: string, spec: OrderSpec): Promise<Accepted> {
    return this.ask(SUBJECTS.accept, { tokenId, clientRef, order: spec }, acceptedValue);
  }

  async cancel(tokenId: string, orderId: string): Promise<number> {
    return this.ask(SUBJECTS.cancel, { tokenId, orderId }, acceptedValue.shape.deliveries);
  }

  private async ask<T extends z.ZodType>(subject: string, message: unknown, value: T): Promise<z.output<T>> {
    let raw: unknown;
    try {
      raw = await firstValueFrom(this.bus.send(subject, message).pipe(timeout(this.timeoutMs)));
    } catch (e) {
      throw new RequestError('not_active', `no active node answered (${(e as Error).message || 'no answer'}): nothing is known to be done; send it again (the same clientRef is never accepted twice)`);
    }
    const answer = answerMessage.safeParse(raw);
    if (!answer.success) throw new RequestError('not_active', 'the active node answered in a form this node does not read: send it again');
    if (!answer.data.ok) {
      const { code, message, issues } = answer.data.error;
      throw new RequestError(PASSED_ON.has(code as RequestError['code']) ? (code as RequestError['code']) : 'not_active', message, issues ?? []);
    }
    const v = value.safeParse(answer.data.value);
    if (!v.success) throw new RequestError('not_active', 'the active node answered in a form this node does not read: send it again');
    return v.data;
  }
}
