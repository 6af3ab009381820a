import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { FollowerCore } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { committedMessage, parseMessage, revokedMessage, SUBJECTS } from './bus-messages';

/** A follower's side of the bus: wake-ups to read the events table, or the revoked tokens, now. */
@Controller()
export class FollowerController {
  constructor(private readonly lifeline: Lifeline<FollowerCore>) {}

  @EventPattern(SUBJECTS.committed)
  committed(@Payload() data: unknown): void {
    // The seq itself is not needed: the table says what is there. A malformed wake-up wakes nobody.
    if (parseMessage(committedMessage, data).ok) void this.lifeline.core.wake();
  }

  /** A hint, not a fact: the tokens table says which tokens are revoked (anyone on the bus could say anything). */
  @EventPattern(SUBJECTS.revoked)
  revoked(@Payload() data: unknown): void {
    if (parseMessage(revokedMessage, data).ok) void this.lifeline.auth.readRevoked().catch(() => undefined);
  }
}
