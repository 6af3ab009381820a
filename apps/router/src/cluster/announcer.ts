import type { ClientProxy } from '@nestjs/microservices';
import type { Subscription } from 'rxjs';
import type { NodeCore } from '@lifeline/engine';
import type { Lifeline } from '../lifeline';
import { SUBJECTS } from './bus-messages';

/**
 * The active node tells every node of the cluster what it committed: the highest event seq (at
 * most one message in flight; the latest seq wins) and each revocation. A message the bus drops
 * costs a follower at most its poll interval.
 */
export class Announcer {
  private readonly subscriptions: Subscription[] = [];
  private seq = -1;
  private sent = -1;
  private sending = false;

  constructor(
    lifeline: Lifeline<NodeCore>,
    private readonly bus: ClientProxy,
  ) {
    this.subscriptions.push(
      lifeline.core.events$.subscribe((e) => {
        this.seq = Math.max(this.seq, e.frame.seq);
        this.flush();
      }),
      lifeline.auth.revoked$.subscribe((id) => this.emit(SUBJECTS.revoked, { id }, () => undefined)),
    );
  }

  private flush(): void {
    if (this.sending || this.seq <= this.sent) return;
    this.sending = true;
    // After this turn's other events: one message for a whole batch of receipts.
    setImmediate(() => {
      const seq = this.seq;
      this.emit(SUBJECTS.committed, { seq }, () => {
        // Said, or the bus is down (followers poll): either way on to what came meanwhile.
        this.sending = false;
        this.sent = Math.max(this.sent, seq);
        this.flush();
      });
    });
  }

  private emit(subject: string, data: unknown, done: () => void): void {
    this.bus.emit(subject, data).subscribe({ complete: done, error: done });
  }

  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
