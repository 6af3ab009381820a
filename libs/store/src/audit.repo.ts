import { among, type Param, type SqlRunner } from './sql';

/** One privileged action: who (token id, name, role, address), what, on what, when. */
export interface AuditEntry {
  id: number;
  at: number;
  actorId: string;
  actorName: string;
  actorRole: string;
  address: string | null;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  /** Past this id in the page's order (newest first unless `order` is `asc`). */
  after?: number;
  limit: number;
  order: 'asc' | 'desc';
  action?: string;
  actorId?: string;
  subject?: string;
  /** Only entries whose actor or subject is one of these (token ids); undefined: every entry. */
  involving?: readonly string[];
  /** Epoch ms, inclusive. */
  from?: number;
  to?: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  address: string | null;
  action: string;
  subject: string | null;
  detail: string;
}

/** The audit trail: rows written in the same transaction as the action they record. */
/** The largest audit id either database holds (`integer` is 32 bits on PostgreSQL). */
const MAX_ID = 2 ** 31 - 1;

export class AuditRepo {
  constructor(private readonly db: SqlRunner) {}

  async append(e: NewAuditEntry): Promise<void> {
    await this.db.run(
      'INSERT INTO audit (at, actor_id, actor_name, actor_role, address, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      e.at, e.actorId, e.actorName, e.actorRole, e.address, e.action, e.subject, JSON.stringify(e.detail),
    );
  }

  async page(q: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: Param[] = [];
    const add = (clause: string, value: Param | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    // Ids are 32-bit integers on PostgreSQL: a cursor past them means the same as the largest one
    // (and is not a comparison the server refuses).
    add(q.order === 'asc' ? 'id > ?' : 'id < ?', q.after === undefined ? undefined : Math.min(q.after, MAX_ID));
    add('action = ?', q.action);
    add('actor_id = ?', q.actorId);
    add('subject = ?', q.subject);
    add('at >= ?', q.from);
    add('at <= ?', q.to);
    if (q.involving) {
      const [actor, subject] = [among(this.db, 'actor_id', q.involving), among(this.db, 'subject', q.involving)];
      where.push(`(${actor.sql} OR ${subject.sql})`);
      params.push(...actor.params, ...subject.params);
    }
    return (
      await this.db.all<AuditRow>(
        `SELECT id, at, actor_id, actor_name, actor_role, address, action, subject, detail FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
        ...params, q.limit,
      )
    ).map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        actorId: r.actor_id,
        actorName: r.actor_name,
        actorRole: r.actor_role,
        address: r.address,
        action: r.action,
        subject: r.subject,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      }));
  }
}
