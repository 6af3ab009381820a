import { ReadlineParser, SerialPort } from 'serialport';

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
  const parser = port.pipe(new ReadlineParser({ delimiter: '\r\n', encoding: 'latin1' }));
  parser.on('data', (l: string) => l.length && onLine(l));
  if (prompt) {
    const watch = new PromptWatch(prompt);
    port.on('data', (b: Buffer) => watch.feed(b.toString('latin1')) && onLine(prompt));
  }
  port.on('error', (e) => log(`${path}: ${e.message}`));
  return {
    write: (text) => void port.write(text, 'latin1'),
    close: () => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())),
  };
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
