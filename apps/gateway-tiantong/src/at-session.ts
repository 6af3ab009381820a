
import type { Clock } from '@lifeline/clock';
import type { SerialLine } from '@lifeline/gateway-sdk';

export interface AtResult {
  ok: boolean;
  /** The final result line: OK, ERROR, +CMS ERROR: n, +CME ERROR: n. */
  final: string;
  /** Information lines before it (+CSQ: ..., +CMGS: ..., a PDU line of +CMGR). */
  lines: string[];
}

interface Command {
  text: string;
  /** Sent after the `> ` prompt (an SMS PDU), ended with Ctrl-Z. */
  payload?: string;
  timeoutMs: number;
  resolve: (r: AtResult) => void;
  reject: (e: Error) => void;
}

const FINAL = /^(OK|ERROR|\+CMS ERROR: ?\d+|\+CME ERROR: ?.+|NO CARRIER)$/;

/**
 * 3GPP 27.005/27.007 AT commands on a serial line: one command on the line at a time, each with a
 * timeout; unsolicited result codes (+CMTI, +CDS and the PDU line after it) that arrive between or
 * during commands go to `onUnsolicited`.
 */
export class AtSession {
  private readonly queue: Command[] = [];
  private current: (Command & { lines: string[]; cancel: () => void; prompted: boolean }) | null = null;
  private pduFor: string | null = null;

  constructor(
    private readonly line: SerialLine,
    private readonly clock: Clock,
    private readonly onUnsolicited: (code: string, pdu: string | null) => void,
  ) {}

  command(text: string, o: { payload?: string; timeoutMs?: number } = {}): Promise<AtResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, payload: o.payload, timeoutMs: o.timeoutMs ?? 10_000, resolve, reject });
      this.next();
    });
  }

  /** Everything the modem says, line by line (and the bare `> ` prompt). */
  receive(line: string): void {
    if (this.pduFor) {
      const code = this.pduFor;
      this.pduFor = null;
      return this.onUnsolicited(code, line.trim());
    }
    if (/^\+CDS: ?\d+/.test(line)) {
      this.pduFor = line;
      return;
    }
    if (/^\+CMTI:/.test(line)) return this.onUnsolicited(line, null);
    const c = this.current;
    if (!c) return;
    if (line.trim() === '>') {
      // The prompt may be reported twice (as it arrives, and as the rest of a line): send once.
      if (c.payload !== undefined && !c.prompted) this.line.write(`${c.payload}\x1a`);
      c.prompted = true;
      return;
    }
    if (line === c.text) return; // the modem's echo, if ATE0 did not take yet
    if (!FINAL.test(line.trim())) {
      c.lines.push(line);
      return;
    }
    c.cancel();
    this.current = null;
    c.resolve({ ok: line.trim() === 'OK', final: line.trim(), lines: c.lines });
    this.next();
  }

  /** Fails what is queued: the line is gone. */
  abort(reason: string): void {
    const all = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current?.cancel();
    this.current = null;
    for (const c of all) c.reject(new Error(reason));
  }

  private next(): void {
    if (this.current || !this.queue.length) return;
    const c = this.queue.shift()!;
    const entry = { ...c, lines: [] as string[], cancel: () => {}, prompted: false };
    entry.cancel = this.clock.schedule(this.clock.now() + c.timeoutMs, () => {
      if (this.current !== entry) return;
      this.current = null;
      c.reject(new Error(`${c.text}: no answer in ${c.timeoutMs} ms`));
      this.next();
    });
    this.current = entry;
    this.line.write(`${c.text}\r`);
  }
}
