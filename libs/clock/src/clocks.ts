import type { Clock } from './clock';

/** Wall-clock time: the only place the router reads Date.now() or sets a timeout. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, fn: () => void): () => void {
    const delay = Math.max(0, at - Date.now());
    // setTimeout caps at ~24.8 days; longer waits re-schedule themselves.
    const max = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = () => {
      const left = Math.max(0, at - Date.now());
      handle = setTimeout(left > max ? arm : fn, Math.min(left, max));
      handle.unref?.();
    };
    handle = setTimeout(delay > max ? arm : fn, Math.min(delay, max));
    handle.unref?.();
    return () => clearTimeout(handle);
  }
}

interface Task {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const before = (a: Task, b: Task) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** A binary min-heap of tasks by (time, insertion order). */
class TaskHeap {
  private items: Task[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Task | undefined {
    return this.items[0];
  }

  push(t: Task): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): Task | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Time that moves only when told to: hours of a drill in milliseconds, and tests without sleeps.
 * `advance` runs due tasks in time order and lets the system settle after each.
 */
export class VirtualClock implements Clock {
  private readonly tasks = new TaskHeap();
  private seq = 0;

  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  schedule(at: number, fn: () => void): () => void {
    // Whole milliseconds, as Date.now() gives: a fractional delay (a simulator's random latency)
    // must not make times that an integer column refuses.
    const task: Task = { at: Math.max(Math.ceil(at), this.current), seq: this.seq++, fn, cancelled: false };
    this.tasks.push(task);
    return () => {
      task.cancelled = true;
    };
  }

  /** Earliest pending task time, if any. */
  next(): number | null {
    while (this.tasks.peek()?.cancelled) this.tasks.pop();
    return this.tasks.peek()?.at ?? null;
  }

  async advance(ms: number, settle: () => Promise<void> = settleEventLoop): Promise<void> {
    await this.advanceTo(this.current + ms, settle);
  }

  async advanceTo(target: number, settle: () => Promise<void> = settleEventLoop): Promise<void> {
    await settle();
    for (;;) {
      const at = this.next();
      if (at === null || at > target) break;
      const task = this.tasks.pop()!;
      this.current = Math.max(this.current, task.at);
      task.fn();
      await settle();
    }
    this.current = Math.max(this.current, target);
    await settle();
  }
}

/** Gives the event loop one turn: I/O callbacks waiting (sockets, timers) run before what follows. */
export function yieldTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Lets pending I/O callbacks and promise chains run; enough for in-process work to finish. */
export async function settleEventLoop(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await yieldTurn();
}
