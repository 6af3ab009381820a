/** Why the router refuses a request; the transports map each to their own (HTTP status, frame). */
export const REQUEST_ERROR_CODES = ['unknown_area', 'unknown_person', 'unknown_channel', 'out_of_scope', 'not_found', 'no_recipients', 'invalid', 'conflict', 'forbidden', 'too_large', 'not_active'] as const;

/** A request the router refuses, with a code the transports map to their own (HTTP status, frame). */
export class RequestError extends Error {
  constructor(
    readonly code: (typeof REQUEST_ERROR_CODES)[number],
    message: string,
    readonly issues: { path: string; message: string; code: string }[] = [],
  ) {
    super(message);
  }
}
