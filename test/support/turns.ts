/**
 * Waits for something that real sockets bring (a frame, a reconnect, a pty's bytes) by giving the
 * event loop turns, not by sleeping; bounded so that a hang fails with a reason. The bound is a
 * number of turns and a span of wall time, both spent: on a loaded machine (CI, another suite on
 * the other core) the far end's process may need longer while the turns run out fast.
 */
export async function turnsUntil(test: () => boolean | Promise<boolean>, what: string, turns = 20_000, minMs = 15_000): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < turns || Date.now() - start < minMs; i++) {
    if (await test()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`gave up waiting for ${what} after ${turns} event-loop turns and ${minMs} ms`);
}
