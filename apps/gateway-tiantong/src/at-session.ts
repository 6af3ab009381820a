
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

/** The modem restarted while this command was on the line; `lines` is what it had said of it by then. */
export class ModemRestarted extends Error {
  constructor(
    message: string,
    readonly lines: readonly string[],
  ) {
    super(message);
  }
}

const FINAL = /^(OK|ERROR|\+CMS ERROR: ?\d+|\+CME ERROR: ?.+|NO CARRIER)$/;
/** What a modem says as it powers up: it has rebooted, and forgotten its settings and any command. */
const BOOT = /^(RDY|\+CPIN: ?READY)$/;
/** Boot codes this close together are one restart (RDY, then +CPIN: READY once the SIM is read). */
const ONE_BOOT_MS = 10_000;

/**
 * 3GPP 27.005/27.007 AT commands on a serial line: one command on the line at a time, each with a
 * timeout; unsolicited result codes (+CMTI, +CDS and the PDU line after it, and the boot codes
 * `RDY` and `+CPIN: READY`) that arrive between or during commands go to `onUnsolicited`. A
 * restart fails the command that was on the line before it at once: the modem that would have
 * answered is gone (commands written since, during the boot codes, stand).
 */
export class AtSession {
  private readonly queue: Command[] = [];
  private current: (Command & { lines: string[]; cancel: () => void; prompted: boolean; echoed: boolean; n: number }) | null = null;
  private pduFor: string | null = null;
  /** Commands written so far; and how many had been when the last restart began. */
  private written = 0;
  private writtenAtBoot = 0;
  private lastBootCode = -Infinity;
  /**
   * After a restart the modem echoes commands again (until ATE0 takes): a command's answer is
   * what follows its echo. What comes before it answers a command the modem took after it
   * restarted but the session had already failed (written before the boot codes arrived): taken
   * for the next command's answer, it put every answer after it one command off.
   */
  private awaitingEcho = false;

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

  /** The information lines the command on the line has had so far (its `+CMGS: n`, before its OK). */
  get linesSoFar(): readonly string[] {
    return this.current?.lines ?? [];
  }

  /** Everything the modem says, line by line (and the bare `> ` prompt). */
  receive(line: string): void {
    if (this.pduFor) {
      const code = this.pduFor;
      this.pduFor = null;
      if (/^[0-9A-Fa-f]+$/.test(line.trim())) return this.onUnsolicited(code, line.trim());
      // Not a PDU (the OK of the command in hand came first): the report without one, and the
      // line read as what it is.
      this.onUnsolicited(code, null);
    }
    if (/^\+CDS: ?\d+/.test(line)) {
      this.pduFor = line;
      return;
    }
    if (/^\+CMTI:/.test(line)) return this.onUnsolicited(line, null);
    const c = this.current;
    if (BOOT.test(line.trim()) && !(c && /^AT\+CPIN\?$/i.test(c.text))) {
      const now = this.clock.now();
      if (now - this.lastBootCode > ONE_BOOT_MS) {
        this.writtenAtBoot = this.written;
        this.awaitingEcho = true;
      }
      this.lastBootCode = now;
      if (c && c.n <= this.writtenAtBoot) this.fail(c, new ModemRestarted(`${c.text}: the modem restarted (${line.trim()})`, c.lines));
      return this.onUnsolicited(line.trim(), null);
    }
    if (!c) return;
    if (this.awaitingEcho && !c.echoed) {
      if (line === c.text) c.echoed = true;
      return;
    }
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
    if (c.payload !== undefined && !c.prompted && line.trim() === 'OK') {
      // A command that sends a PDU cannot succeed before its prompt: this is the late answer of
      // one that timed out (its +CMGS: reference would settle the wrong message). Dropped.
      c.lines = [];
      return;
    }
    c.cancel();
    this.current = null;
    if (/^ATE0$/i.test(c.text) && line.trim() === 'OK') this.awaitingEcho = false;
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

  private fail(c: Command & { cancel: () => void }, why: string | Error): void {
    c.cancel();
    this.current = null;
    c.reject(typeof why === 'string' ? new Error(why) : why);
    this.next();
  }

  private next(): void {
    if (this.current || !this.queue.length) return;
    const c = this.queue.shift()!;
    const entry = { ...c, lines: [] as string[], cancel: () => {}, prompted: false, echoed: false, n: ++this.written };
    entry.cancel = this.clock.schedule(this.clock.now() + c.timeoutMs, () => {
      if (this.current !== entry) return;
      // No echo after a restart: a modem whose saved profile has echo off. Answers are read as they come.
      if (this.awaitingEcho && !entry.echoed) this.awaitingEcho = false;
      // ESC ends a PDU the modem may still be waiting for: the next command must not be read as its text.
      if (c.payload !== undefined) this.line.write('\x1b');
      this.fail(entry, `${c.text}: no answer in ${c.timeoutMs} ms`);
    });
    this.current = entry;
    this.line.write(`${c.text}\r`);
  }
}
