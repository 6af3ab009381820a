import { SerialPort } from 'serialport';

/** A line-oriented serial port: what Beidou terminals and AT modems speak. */
export interface SerialLine {
  write(text: string): void;
  close(): Promise<void>;
}

/**
 * Opens `path` (a device, or one end of a pseudo-terminal pair in tests) and calls `onLine` for
 * every line, delimiter removed. `prompt`, when given, is also reported when it arrives without a
 * line end (an AT modem's `> `).
 */
export async function openSerialLine(path: string, baudRate: number, onLine: (line: string) => void, log: (m: string) => void, prompt?: string): Promise<SerialLine> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new Error(`${path}: ${e.message}`)) : resolve())));
  const lines = new LineSplitter(MAX_LINE, (l) => l.length && onLine(l), (n) => log(`${path}: a line of more than ${n} characters without an end was dropped (noise, or a wrong baud rate)`));
  const watch = prompt ? new PromptWatch(prompt) : null;
  port.on('data', (b: Buffer) => {
    const text = b.toString('latin1');
    lines.feed(text);
    if (watch?.feed(text)) onLine(prompt!);
  });
  port.on('error', (e) => log(`${path}: ${e.message}`));
  return {
    write: (text) => void port.write(text, 'latin1'),
    close: () => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())),
  };
}

/** The longest line a device says (an SMS PDU in hex is under 400 characters). */
const MAX_LINE = 4_096;

/**
 * Cuts what a serial line says into lines at CR LF, or a lone CR or LF (a terminal that ends
 * lines its own way). A line that grows past `max` without an end is dropped, and reading goes on
 * from the next line end: noise, or a wrong baud rate, must not grow memory without bound (a
 * parser that joins every read to what it holds also grows its cost with it).
 */
export class LineSplitter {
  private buffer = '';
  private dropping = false;

  constructor(
    private readonly max: number,
    private readonly onLine: (line: string) => unknown,
    private readonly onDropped: (max: number) => void,
  ) {}

  feed(chunk: string): void {
    const parts = (this.buffer + chunk).split(/\r\n|\r|\n/);
    this.buffer = parts.pop()!;
    for (const line of parts) {
      if (this.dropping) this.dropping = false; // the end of the dropped line
      else this.onLine(line);
    }
    if (this.buffer.length > this.max) {
      if (!this.dropping) this.onDropped(this.max);
      this.dropping = true;
      this.buffer = '';
    }
  }
}

/**
 * Finds a prompt that ends the output so far without a line end (`> ` after AT+CMGS), however the
 * serial reads cut it: a modem's output comes in pieces of any size, and `>` in one read with ` `
 * in the next is as much a prompt as both in one.
 */
export class PromptWatch {
  /** What came since the last line end, its last characters only. */
  private tail = '';

  constructor(private readonly prompt: string) {}

  /** Takes one read; true when the output now ends with the prompt (reported once). */
  feed(chunk: string): boolean {
    const lines = (this.tail + chunk).split(/\r|\n/);
    this.tail = lines[lines.length - 1].slice(-this.prompt.length);
    if (this.tail !== this.prompt) return false;
    this.tail = '';
    return true;
  }
}
