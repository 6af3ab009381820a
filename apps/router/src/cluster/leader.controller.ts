import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RequestError, type NodeCore, type Principal } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { acceptMessage, cancelMessage, parseMessage, SUBJECTS, type Answer } from './bus-messages';

/**
 * The active node's side of the bus: orders and cancels that followers pass on. The client's
 * token comes with each and is authenticated here, as for a client of this node (revoked, role
 * and areas as this node knows them): nothing is taken on another node's word, so whoever can
 * publish on the bus can do no more than the tokens they hold. The answer goes back only after
 * commit, as it would to a client of this node.
 */
@Controller()
export class LeaderController {
  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  /** Orders being accepted, by token and clientRef: a follower asking again while one commits joins it. */
  private readonly accepting = new Map<string, Promise<Answer<unknown>>>();

  @MessagePattern(SUBJECTS.accept)
  accept(@Payload() data: unknown): Promise<Answer<unknown>> {
    const m = parseMessage(acceptMessage, data);
    if (!m.ok) return Promise.resolve(m);
    return this.act(m.value, (p) => {
      // The same order asked again (a follower does, every second without an answer) is not worked
      // out twice while the first is committing; after, its clientRef answers it from the rows.
      const key = `${p.id}\u0000${m.value.clientRef}`;
      let answer = this.accepting.get(key);
      if (!answer) {
        answer = this.answer(() => this.lifeline.core.orders.accept(p, m.value.clientRef, m.value.order), p);
        this.accepting.set(key, answer);
        void answer.finally(() => this.accepting.delete(key));
      }
      return answer;
    });
  }

  @MessagePattern(SUBJECTS.cancel)
  cancel(@Payload() data: unknown): Promise<Answer<unknown>> {
    const m = parseMessage(cancelMessage, data);
    if (!m.ok) return Promise.resolve(m);
    return this.act(m.value, (p) => this.answer(() => this.lifeline.core.orders.cancel(p, m.value.orderId), p));
  }

  /** The request's token, authenticated here as for a client of this node, then `job` for it. */
  private async act({ token, address }: { token: string; address?: string }, job: (p: Principal) => Promise<Answer<unknown>>): Promise<Answer<unknown>> {
    const p = await this.lifeline.auth.authenticate(token, address);
    if (!p || !['console', 'admin'].includes(p.role)) {
      this.lifeline.metrics.rejected('bus', 'forbidden');
      return { ok: false, error: { code: 'forbidden', message: 'this token may not send or cancel orders (revoked, or not a console token)' } };
    }
    return job(p);
  }

  /** What was done, or why not, in the API's error shape. */
  private async answer(job: () => Promise<unknown>, p: Principal): Promise<Answer<unknown>> {
    try {
      return { ok: true, value: await job() };
    } catch (e) {
      if (e instanceof RequestError) {
        this.lifeline.metrics.rejected('bus', e.code);
        return { ok: false, error: { code: e.code, message: e.message, ...(e.issues.length ? { issues: e.issues } : {}) } };
      }
      this.lifeline.log.error('order from another node failed', { tokenId: p.id, err: (e as Error).stack ?? String(e) });
      return { ok: false, error: { code: 'not_active', message: 'the active node could not store it; nothing was accepted' } };
    }
  }
}
