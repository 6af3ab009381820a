/** Another router process holds the database: this one must not start (exit code 3). */
export class DatabaseInUseError extends Error {}

/** The database could not be opened (a server not there, a bad URL, a file not writable): exit 1, with why. */
export class DatabaseOpenError extends Error {}

/**
 * A write asked of a node that only reads (a follower of a cluster): the node that holds the
 * writer lease does the writing. Transports answer it as `not_active` (503, try again).
 */
export class NotTheWriterError extends Error {}
