import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { RequestError, type NodeCore, type Principal } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { acceptMessage, cancelMessage, lanesOfferMessage, parseMessage, SUBJECTS, type Answer } from './bus-messages';

/**
 * The active node's side of the bus: orders and cancels that followers pass on. The client's
 * token (its sha256) comes with each and is authenticated here, as for a client of this node
 * (revoked, role and areas as this node knows them): nothing is taken on another node's word, so
 * whoever can publish on the bus can do no more than the tokens they hold. The answer goes back
 * only after commit, as it would to a client of this node.
 */
@Controller()
export class LeaderController {
  /**
   * Requests being carried out, by what they do: a follower asks again every second while it has
   * no answer, and a repeat joins the first instead of working it out twice (an order's clientRef,
   * a cancel's order, each for one token); after, the rows answer a repeat.
   */
  private readonly underWay = new Map<string, Promise<Answer<unknown>>>();

  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  @MessagePattern(SUBJECTS.accept)
  accept(@Payload() data: unknown): Promise<Answer<unknown>> {
    const m = parseMessage(acceptMessage, data);
    if (!m.ok) return Promise.resolve(m);
    const { clientRef, order } = m.value;
    return this.act(m.value, (p) => this.once(`accept\u0000${p.id}\u0000${clientRef}`, p, () => this.lifeline.core.orders.accept(p, clientRef, order)));
  }

  /** A follower offers to carry out lanes: it may be given some (`RemoteLanes`). */
  @EventPattern(SUBJECTS.lanesOffer)
  lanesOffer(@Payload() data: unknown): void {
    const m = parseMessage(lanesOfferMessage, data);
    if (m.ok) this.lifeline.laneTransport?.heard(m.value.node);
  }

  @MessagePattern(SUBJECTS.cancel)
  cancel(@Payload() data: unknown): Promise<Answer<unknown>> {
    const m = parseMessage(cancelMessage, data);
    if (!m.ok) return Promise.resolve(m);
    const { orderId } = m.value;
    return this.act(m.value, (p) => this.once(`cancel\u0000${p.id}\u0000${orderId}`, p, () => this.lifeline.core.orders.cancel(p, orderId)));
  }

  /** The request's token, authenticated here as for a client of this node, then `job` for it. */
  private async act({ tokenHash, address }: { tokenHash: string; address?: string }, job: (p: Principal) => Promise<Answer<unknown>>): Promise<Answer<unknown>> {
    let p: Principal | null;
    try {
      p = await this.lifeline.auth.byHash(tokenHash, address);
    } catch (e) {
      // The tokens could not be read (the database): an answer, so the follower does not wait on.
      this.lifeline.log.error('checking a token from another node failed', { err: (e as Error).message });
      return { ok: false, error: { code: 'not_active', message: 'the active node could not check the token now; nothing was done' } };
    }
    if (!p || !['console', 'admin'].includes(p.role)) {
      this.lifeline.metrics.rejected('bus', 'forbidden');
      return { ok: false, error: { code: 'forbidden', message: 'this token may not send or cancel orders (revoked, or not a console token)' } };
    }
    return job(p);
  }

  /** `job`'s answer, joined by a repeat of the same request while it is under way. */
  private once(key: string, p: Principal, job: () => Promise<unknown>): Promise<Answer<unknown>> {
    let answer = this.underWay.get(key);
    if (!answer) {
      answer = this.answer(job, p);
      this.underWay.set(key, answer);
      void answer.finally(() => this.underWay.delete(key));
    }
    return answer;
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
      this.lifeline.log.error('a request from another node failed', { tokenId: p.id, err: (e as Error).stack ?? String(e) });
      return { ok: false, error: { code: 'not_active', message: 'the active node could not store it; nothing was done' } };
    }
  }
}
