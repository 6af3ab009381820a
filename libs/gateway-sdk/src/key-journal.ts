import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * A small durable map for an adapter's in-flight device keys (an SMPP message id, an AT message
 * reference) and what each stands for: an append-only file of JSON lines, written at once and
 * made durable by `durable()` before the adapter tells the router anything that depends on them;
 * the sends of one event-loop turn share one fsync (group commit: a window of 200 sends is one
 * disk flush, not 200). Read back at start,
 * so a receipt that arrives after a restart still finds its attempt; compacted then (and when
 * the file grows to many times what is live) by writing the live entries to a new file and
 * renaming it over the old one, so a crash mid-compaction leaves one whole file or the other.
 *
 * Hand-written rather than an embedded database: the SDK must not carry native modules into every
 * adapter process, and what it keeps is a few thousand short entries.
 */
export class KeyJournal<V> {
  private readonly live = new Map<string, V>();
  private unread = 0;
  private lines = 0;
  private fd: number;
  /** The fsync every caller of this turn waits for; null when nothing is waiting. */
  private syncing: Promise<void> | null = null;
  private closed = false;

  /** `value` is what an entry's value must be: the file is read back as any input is, parsed. */
  constructor(
    private readonly file: string,
    private readonly value: z.ZodType<V>,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) this.load(readFileSync(file, 'utf8'));
    this.fd = this.rewrite();
  }

  /** Entries of the file read at start that were not what `value` describes (edited, or from another version): left out. */
  get ignored(): number {
    return this.unread;
  }

  /** What was in flight when the adapter last stopped (or crashed). */
  entries(): [string, V][] {
    return [...this.live];
  }

  set(key: string, value: V): void {
    if (this.closed) return; // a send finishing while the adapter stops: it is in flight, kept as it was
    this.live.set(key, value);
    this.append({ k: key, v: value });
  }

  delete(key: string): void {
    if (this.closed || !this.live.delete(key)) return;
    this.append({ k: key });
  }

  /** Resolves once everything written so far is on disk: one fsync for all who ask in this turn. */
  durable(): Promise<void> {
    this.syncing ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.syncing = null;
        if (!this.closed) fsyncSync(this.fd); // closing synced it already
        resolve();
      }),
    );
    return this.syncing;
  }

  /** On disk now, for the rare write that must be before a device acts on it. */
  syncNow(): void {
    if (!this.closed) fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  private append(entry: { k: string; v?: V }): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    if (++this.lines > 1_000 && this.lines > 4 * this.live.size) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = this.rewrite();
    }
  }

  /** A line cut short by a crash ends the file: everything before it stands. */
  private load(text: string): void {
    for (const line of text.split('\n')) {
      if (!line) continue;
      let e: { k?: unknown; v?: unknown };
      try {
        e = JSON.parse(line) as { k?: unknown; v?: unknown };
      } catch {
        break;
      }
      if (typeof e.k !== 'string') continue;
      if (e.v === undefined) {
        this.live.delete(e.k);
        continue;
      }
      const v = this.value.safeParse(e.v);
      if (v.success) this.live.set(e.k, v.data);
      else this.unread++;
    }
  }

  private rewrite(): number {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    for (const [k, v] of this.live) writeSync(fd, `${JSON.stringify({ k, v })}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    // The rename itself is durable once the directory is synced.
    const dir = openSync(dirname(this.file), 'r');
    fsyncSync(dir);
    closeSync(dir);
    this.lines = this.live.size;
    return openSync(this.file, 'a');
  }
}
