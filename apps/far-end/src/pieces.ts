import type { Clock } from '@lifeline/clock';

/**
 * Output as a slow serial line gives it: in pieces of one to three bytes, a millisecond apart, in
 * order, so each piece is a read of its own at the far end (a line, a `> ` prompt or a checksum cut
 * anywhere). Off, everything goes in one write.
 */
export class PieceWriter {
  private output: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (text: string) => void,
    private readonly clock: Clock,
    private readonly random: () => number,
    public on = false,
  ) {}

  say(text: string): void {
    if (!this.on) return this.write(text);
    for (let i = 0; i < text.length; ) {
      const piece = text.slice(i, (i += 1 + Math.floor(this.random() * 3)));
      this.output = this.output.then(() => new Promise<void>((r) => this.clock.schedule(this.clock.now() + 1, () => (this.write(piece), r()))));
    }
  }
}
