import type { AreaGeometry } from './geo/geometry';

export interface Area {
  code: string;
  name: string;
  parent: string | null;
  /** The area's shape, when the directory has it: a geofence takes in everyone of an area wholly inside it. */
  geometry?: AreaGeometry;
}

/**
 * The administrative tree (province > city > county > town > village, any depth).
 * Paths like `/330100/330102/` let storage find a subtree with one indexed prefix match.
 */
export class AreaTree {
  private readonly byCode = new Map<string, Area>();
  private readonly paths = new Map<string, string>();

  constructor(areas: readonly Area[]) {
    for (const a of areas) this.byCode.set(a.code, a);
    for (const a of areas) this.paths.set(a.code, this.computePath(a.code, new Set()));
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  get(code: string): Area | undefined {
    return this.byCode.get(code);
  }

  all(): Area[] {
    return [...this.byCode.values()];
  }

  /** `/root/.../code/`; throws for an unknown code. */
  path(code: string): string {
    const p = this.paths.get(code);
    if (p === undefined) throw new Error(`unknown area ${code}`);
    return p;
  }

  depth(code: string): number {
    return this.path(code).split('/').length - 3;
  }

  /** The area itself and every ancestor, nearest first. */
  lineage(code: string): string[] {
    return this.path(code).split('/').filter(Boolean).reverse();
  }

  /** True when `code` is `ancestor` or lies below it. */
  isWithin(code: string, ancestor: string): boolean {
    const p = this.paths.get(code);
    return p !== undefined && p.includes(`/${ancestor}/`);
  }

  /** The ancestor-or-self of `code` at `depth` (0 = root); the area itself when it is shallower. */
  atDepth(code: string, depth: number): string {
    const parts = this.path(code).split('/').filter(Boolean);
    return parts[Math.min(depth, parts.length - 1)];
  }

  /** Nearest area containing all of `codes`. */
  commonAncestor(codes: readonly string[]): string | null {
    if (codes.length === 0) return null;
    let common = this.path(codes[0]).split('/').filter(Boolean);
    for (const c of codes.slice(1)) {
      const parts = this.path(c).split('/').filter(Boolean);
      let i = 0;
      while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
      common = common.slice(0, i);
    }
    return common.length ? common[common.length - 1] : null;
  }

  private computePath(code: string, seen: Set<string>): string {
    if (seen.has(code)) throw new Error(`area cycle at ${code}`);
    seen.add(code);
    const a = this.byCode.get(code);
    if (!a) throw new Error(`unknown parent area ${code}`);
    if (a.parent === null) return `/${code}/`;
    return `${this.computePath(a.parent, seen)}${code}/`;
  }
}
