/**
 * Where the router's parts report what an operator should know. The app backs it with a
 * structured logger; messages never carry tokens, order texts or full terminal numbers.
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Says nothing: tests and drills. */
export const SILENT_LOG: Log = { info: () => {}, warn: () => {}, error: () => {} };
