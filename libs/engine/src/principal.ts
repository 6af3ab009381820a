import type { AreaTree } from '@lifeline/domain';
import type { NewAuditEntry, Repositories } from '@lifeline/store';

export type Role = 'console' | 'gateway' | 'drill' | 'admin' | 'metrics';

/** Who is asking: a token's identity, role and bounds, as the transports authenticated it. */
export interface Principal {
  id: string;
  role: Role;
  /** Area codes the principal may act in and see; null means everywhere, [] nowhere. */
  areas: string[] | null;
  channel: string | null;
  /** Gateway tokens: the gateway ids it may speak as; null, any on its channel. */
  gatewayIds?: string[] | null;
  /** For the audit trail: the token's name and the client's address. */
  name?: string;
  address?: string;
}

/** The router itself, in the audit trail: start-up, scenario drills. */
export const SYSTEM: Principal = { id: 'system', role: 'admin', areas: null, channel: null, name: 'router' };

/** Whether `area` lies within the principal's areas. */
export function inScope(p: Principal, tree: AreaTree, area: string): boolean {
  return p.areas === null || p.areas.some((a) => tree.has(a) && tree.isWithin(area, a));
}

/** The area paths of the principal's areas, for filters in storage; null for everywhere. */
export function scopePaths(p: Principal, tree: AreaTree): string[] | null {
  return p.areas === null ? null : p.areas.filter((a) => tree.has(a)).map((a) => tree.path(a));
}

/** Records a privileged action inside the write job that performs it: both commit or neither. */
export function audit(tx: Repositories, p: Principal, at: number, action: string, subject: string | null, detail: Record<string, unknown> = {}): Promise<void> {
  const entry: NewAuditEntry = {
    at,
    actorId: p.id,
    actorName: p.name ?? p.id,
    actorRole: p.role,
    address: p.address ?? null,
    action,
    subject,
    detail,
  };
  return tx.audit.append(entry);
}
