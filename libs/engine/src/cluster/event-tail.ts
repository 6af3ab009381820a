import type { Clock } from '@lifeline/clock';
import type { EventFrame } from '@lifeline/contracts';
import type { Log } from '@lifeline/domain';
import type { EventStore } from '@lifeline/store';
import { Subject, type Observable } from 'rxjs';
import type { BusEvent } from '../event-bus';

const PAGE = 1_000;

/**
 * A follower's live stream: the events table read forward from the last seq it passed on. The
 * active node's writers (its main writer and its lanes) take seqs from one row that each holds
 * until it commits, so a row with a higher seq is never visible before a lower one and nothing
 * is skipped. The bus says when to look (`wake`);
 * a poll every `everyMs` finds what a dropped wake-up would have said.
 */
export class EventTail {
  private readonly subject = new Subject<BusEvent>();
  readonly events$: Observable<BusEvent> = this.subject.asObservable();
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private cancelPoll: (() => void) | null = null;
  private failing: string | null = null;

  private constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly log: Log,
    /** The last seq passed on. */
    private last: number,
  ) {}

  /** Tails from the head of the stream now: what came before is read with `subscribe since`. */
  static async start(events: EventStore, clock: Clock, everyMs: number, log: Log): Promise<EventTail> {
    const tail = new EventTail(events, clock, everyMs, log, await events.maxSeq());
    tail.poll();
    return tail;
  }

  get seq(): number {
    return this.last;
  }

  /** Why the stream cannot be read now (the database out of reach); null while it can. */
  get failure(): { reason: string } | null {
    return this.failing === null ? null : { reason: this.failing };
  }

  /** Something was committed (the bus said so): read now, or once more after the read under way. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.read().finally(() => {
      this.reading = null;
      if (this.again) {
        this.again = false;
        void this.wake();
      }
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      for (;;) {
        const page = await this.events.since(this.last, PAGE);
        for (const e of page) {
          this.last = e.seq;
          this.subject.next({ frame: { ...e.payload, seq: e.seq } as EventFrame, areaPath: e.areaPath });
        }
        if (page.length < PAGE || this.stopped) break;
      }
      if (this.failing) this.log.info('events: reading the stream again');
      this.failing = null;
    } catch (e) {
      // The database out of reach: the next wake-up or poll tries again from the same seq.
      const message = (e as Error).message;
      if (message !== this.failing) this.log.warn(`events: cannot read the stream: ${message}`);
      this.failing = message;
    }
  }

  private poll(): void {
    if (this.stopped) return;
    this.cancelPoll = this.clock.schedule(this.clock.now() + this.everyMs, () => {
      void this.wake().then(() => this.poll());
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    await this.reading;
    this.subject.complete();
  }
}
