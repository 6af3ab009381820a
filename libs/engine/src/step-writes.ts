import type { AttemptRow, AttemptUpdate, NewEvent, Repositories, TimerRow } from '@lifeline/store';

interface AttemptWrite {
  insert: AttemptRow | null;
  status: string;
  at: number;
  detail: string | null;
}

interface TimerWrites {
  cancelled: boolean;
  armed: Map<string, { epoch: number; dueAt: number }>;
}

/**
 * The attempt, timer and receipt rows one write job's steps stand for, kept as their net effect
 * and written once at the end of the job in multi-row statements. With fast gateways `accepted`
 * and `delivered` land in the same job: step by step that was a timer armed then deleted and an
 * attempt updated three times; net, it is one delete and one update. Same transaction, same rows
 * at commit.
 */
export class StepWrites {
  private readonly attempts = new Map<string, AttemptWrite>();
  private readonly timers = new Map<string, TimerWrites>();
  private readonly events: { row: NewEvent; seq: (seq: number) => void }[] = [];

  /** An event row; `seq` learns its number when the rows are written. */
  appendEvent(row: NewEvent, seq: (seq: number) => void): void {
    this.events.push({ row, seq });
  }

  insertAttempt(row: AttemptRow): void {
    // A repeated insert of an attempt already written keeps the row (ON CONFLICT DO NOTHING).
    if (!this.attempts.has(row.id)) this.attempts.set(row.id, { insert: row, status: row.status, at: row.at, detail: row.detail });
  }

  updateAttempt(id: string, status: string, at: number, detail: string | null): void {
    const w = this.attempts.get(id);
    if (w) {
      w.status = status;
      w.at = at;
      w.detail = detail;
    } else this.attempts.set(id, { insert: null, status, at, detail });
  }

  armTimer(deliveryId: string, name: string, epoch: number, dueAt: number): void {
    this.timersOf(deliveryId).armed.set(name, { epoch, dueAt });
  }

  cancelTimers(deliveryId: string): void {
    const t = this.timersOf(deliveryId);
    t.cancelled = true;
    t.armed.clear();
  }

  private timersOf(deliveryId: string): TimerWrites {
    let t = this.timers.get(deliveryId);
    if (!t) this.timers.set(deliveryId, (t = { cancelled: false, armed: new Map() }));
    return t;
  }

  /** Writes the net attempt and timer rows and forgets them; call inside the job's transaction. */
  async flushRows(tx: Repositories): Promise<void> {
    const inserts: AttemptRow[] = [];
    const updates: AttemptUpdate[] = [];
    for (const [id, w] of this.attempts) {
      // Inserted and updated in one job (rare: a send superseded before it left) stays two writes,
      // so an insert that finds the row already there still leaves the update applied.
      if (w.insert) inserts.push(w.insert);
      if (!w.insert || w.status !== w.insert.status || w.at !== w.insert.at || w.detail !== w.insert.detail)
        updates.push({ id, status: w.status, at: w.at, detail: w.detail });
    }
    await tx.attempts.insertMany(inserts);
    await tx.attempts.updateMany(updates);
    const cancelled: string[] = [];
    const armed: TimerRow[] = [];
    for (const [deliveryId, t] of this.timers) {
      if (t.cancelled) cancelled.push(deliveryId);
      for (const [name, a] of t.armed) armed.push({ delivery_id: deliveryId, name, epoch: a.epoch, due_at: a.dueAt });
    }
    await tx.timers.cancelAllOf(cancelled);
    await tx.timers.armMany(armed);
    this.attempts.clear();
    this.timers.clear();
  }

  /**
   * Writes the event rows, taking their seqs, and forgets them: the job's last statement, since
   * from the seqs on, every other writer waits for this transaction's commit.
   */
  async flushEvents(tx: Repositories): Promise<void> {
    const seqs = await tx.events.appendMany(this.events.map((e) => e.row));
    this.events.forEach((e, i) => e.seq(seqs[i]));
    this.events.length = 0;
  }
}
