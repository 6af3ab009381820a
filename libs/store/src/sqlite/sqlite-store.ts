import type { Repositories, Storage } from '../port';
import { createRepositories } from '../repositories';
import { Writer } from '../writer';
import { SqliteDatabase } from './sqlite-database';
import { SqliteRunner } from './sqlite-sql';

/** An error of SQLite itself (a constraint broken, the disk full), not a refusal of a job's own. */
function isSqliteError(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_');
}

/**
 * The store port on SQLite: one connection in this process, one writer. Reads and write jobs use
 * the same connection, so a job's reads see its own writes; `db.sql` is SQLite itself, for tools
 * and tests (a pragma, a digest of the file).
 */
export class SqliteStore implements Storage {
  readonly read: Repositories;
  private readonly writer: Writer;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly path: string,
  ) {
    this.read = createRepositories(new SqliteRunner(db.sql));
    const sql = db.sql;
    this.writer = new Writer({ exec: (s) => sql.exec(s), begin: 'BEGIN IMMEDIATE', isStorageError: isSqliteError });
  }

  static async open(path: string): Promise<SqliteStore> {
    return new SqliteStore(await SqliteDatabase.open({ path }), path);
  }

  /** One process per file, held by the file lock for its life: never lost to another. */
  readonly lost = new Promise<string>(() => undefined);

  get describe(): string {
    return `sqlite:${this.path}`;
  }

  /** A write job: runs in the single writer's next transaction; settles after commit. */
  write<T>(job: (tx: Repositories) => Promise<T> | T, urgent = false): Promise<T> {
    return this.writer.write(() => job(this.read), urgent);
  }

  /** One writer per file: the engine's one lane is the main writer. */
  readonly lanes = 1;

  writeIn<T>(_lane: number, job: (tx: Repositories) => Promise<T> | T, urgent = false): Promise<T> {
    return this.write(job, urgent);
  }

  get pendingWrites(): number {
    return this.writer.pending;
  }

  get commits(): number {
    return this.writer.batches;
  }

  get commitFailure(): { reason: string } | null {
    return this.writer.failure;
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.db.close();
  }
}
