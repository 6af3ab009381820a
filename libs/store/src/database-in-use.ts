/** Another router process holds the database: this one must not start (exit code 3). */
export class DatabaseInUseError extends Error {}

/** The database could not be opened (a server not there, a bad URL, a file not writable): exit 1, with why. */
export class DatabaseOpenError extends Error {}
