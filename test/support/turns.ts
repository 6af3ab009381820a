import { yieldTurn } from '@lifeline/clock';

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
    await yieldTurn();
  }
  throw new Error(`gave up waiting for ${what} after ${turns} event-loop turns and ${minMs} ms`);
}

/**
 * Moves virtual time by `ms` at most once per `realMs` of real time. Where messages cross real
 * sockets (NATS, a WebSocket) a turn loop that advanced at every turn could run the router's
 * clock past an accept timeout while one message waited a few milliseconds on a loaded machine;
 * paced at 20 times real speed, 20 s of timeout is a second of real delay.
 */
export function pacedAdvance(advance: (ms: number) => Promise<void>, ms = 100, realMs = 5): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < realMs) return advance(0);
    last = Date.now();
    return advance(ms);
  };
}
