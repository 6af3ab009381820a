/** Another router process holds the database: this one must not start (exit code 3). */
export class DatabaseInUseError extends Error {}
