import type { AreaTree, OrderSpec } from '@lifeline/domain';
import type { OrderReach, OrderRow, Repositories } from '@lifeline/store';
import { fenceReach } from './fence-reach';
import { RequestError } from './request-error';
import { inScope, type Principal } from './principal';

/**
 * Whom an order picks and who may see one: reads only, so that every node of a cluster answers
 * them from the database, the one that writes and those that follow alike.
 */
export class OrderTargets {
  constructor(
    private readonly read: Repositories,
    private readonly tree: AreaTree,
  ) {}

  /**
   * Whom an order's `to` picks, checked against the token's areas (refused as `accept` refuses):
   * the subtrees and people to select, and the common area of them all.
   */
  async targets(p: Principal, to: OrderSpec['to']): Promise<{ scope: string | null; reach: OrderReach }> {
    const areas = to.areas ?? [];
    this.checkAreas(p, areas);
    const personAreas = await this.checkPeople(p, [...new Set(to.people ?? [])], to.people ?? []);
    const fenced = await fenceReach(this.read.directory, this.tree, p, to);
    return {
      scope: this.tree.commonAncestor([...areas, ...personAreas, ...fenced.areas]),
      reach: {
        areaPaths: areas.map((a) => this.tree.path(a)),
        locatedIds: fenced.locatedIds,
        shapePaths: fenced.shapeAreas.map((a) => this.tree.path(a)),
      },
    };
  }

  /**
   * Areas must exist and lie within the token's areas. A scoped token is told only `out_of_scope`
   * for any area it may not use, existing or not: a refusal must not reveal what lies outside.
   */
  private checkAreas(p: Principal, areas: readonly string[]): void {
    const bad = areas.map((a, i) => [a, i] as const).filter(([a]) => !this.tree.has(a) || !inScope(p, this.tree, a));
    if (!bad.length) return;
    if (p.areas === null)
      throw new RequestError('unknown_area', `unknown area ${bad.map(([a]) => a).join(', ')}`,
        bad.map(([a, i]) => ({ path: `order.to.areas.${i}`, message: `unknown area code ${a}`, code: 'unknown_area' })));
    throw new RequestError('out_of_scope', `outside this token's areas: ${bad.slice(0, 10).map(([a]) => a).join(', ')}`,
      bad.map(([a, i]) => ({ path: `order.to.areas.${i}`, message: `area ${a} is not within this token's areas`, code: 'out_of_scope' })));
  }

  /**
   * People must exist within the token's areas; one outside is refused exactly like one that does
   * not exist, so a county desk cannot probe the rest of the directory. Their areas, for scope.
   */
  private async checkPeople(p: Principal, people: readonly string[], listed: readonly string[]): Promise<string[]> {
    const areaOf = await this.read.directory.areasOf(people);
    const missing = new Set(people.filter((id) => !areaOf.has(id) || !inScope(p, this.tree, areaOf.get(id)!)));
    if (missing.size) {
      const where = p.areas === null ? '' : " within this token's areas";
      throw new RequestError('unknown_person', `no person ${[...missing].slice(0, 10).join(', ')}${where}`,
        listed.map((id, i) => [id, i] as const).filter(([id]) => missing.has(id))
          .map(([id, i]) => ({ path: `order.to.people.${i}`, message: `no person ${id}${where}`, code: 'unknown_person' })));
    }
    return [...new Set(areaOf.values())];
  }

  /**
   * Throws `not_found` unless the order exists and lies within the principal's areas: an order
   * outside them is answered exactly like one that does not exist, on every transport.
   */
  async checkVisible(p: Principal, orderId: string): Promise<OrderRow> {
    const row = await this.read.orders.get(orderId);
    if (!row || !orderVisibleTo(p, this.tree, row.scope_path)) throw new RequestError('not_found', `no order ${orderId}`);
    return row;
  }
}

/** An order is a principal's business when its scope (the common area of its targets) is in theirs. */
export function orderVisibleTo(p: Principal, tree: AreaTree, scopePath: string): boolean {
  if (p.areas === null) return true;
  const scopeArea = scopePath.split('/').filter(Boolean).pop();
  return scopeArea !== undefined && inScope(p, tree, scopeArea);
}
