/**
 * Waits for something that real sockets bring (a frame, a reconnect) by giving the event loop
 * turns, not wall time: no sleeps, and a bounded number of turns so a hang fails with a reason.
 */
export async function turnsUntil(test: () => boolean | Promise<boolean>, what: string, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await test()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`gave up waiting for ${what} after ${turns} event-loop turns`);
}
