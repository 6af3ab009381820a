import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { FollowerCore } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { committedMessage, parseMessage, revokedMessage, SUBJECTS } from './bus-messages';

/** A follower's side of the bus: wake-ups to read the events table now, and revocations to act on. */
@Controller()
export class FollowerController {
  constructor(private readonly lifeline: Lifeline<FollowerCore>) {}

  @EventPattern(SUBJECTS.committed)
  committed(@Payload() data: unknown): void {
    // The seq itself is not needed: the table says what is there. A malformed wake-up wakes nobody.
    if (parseMessage(committedMessage, data).ok) void this.lifeline.core.wake();
  }

  @EventPattern(SUBJECTS.revoked)
  revoked(@Payload() data: unknown): void {
    const m = parseMessage(revokedMessage, data);
    if (m.ok) this.lifeline.auth.revokedElsewhere([m.value.id]);
  }
}
