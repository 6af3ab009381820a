/** The one source of time. Real under `npm start`; virtual in tests and drills. */
export interface Clock {
  now(): number;
  /** Runs `fn` at (or soon after) epoch milliseconds `at`; returns a cancel function. */
  schedule(at: number, fn: () => void): () => void;
}
