import type { AreaGeometry } from '@lifeline/domain';

export interface AreaNode {
  code: string;
  name: string;
  parent: string | null;
  geometry?: AreaGeometry;
}

/** The area tree the directory answered (the token's areas and those above them). */
export class Areas {
  private readonly byCode = new Map<string, AreaNode>();
  private readonly kids = new Map<string, AreaNode[]>();
  readonly roots: AreaNode[] = [];

  constructor(readonly list: readonly AreaNode[]) {
    for (const a of list) this.byCode.set(a.code, a);
    for (const a of list) {
      if (a.parent !== null && this.byCode.has(a.parent)) {
        const k = this.kids.get(a.parent) ?? [];
        k.push(a);
        this.kids.set(a.parent, k);
      } else this.roots.push(a);
    }
  }

  get(code: string): AreaNode | undefined {
    return this.byCode.get(code);
  }

  name(code: string): string {
    return this.byCode.get(code)?.name ?? code;
  }

  children(code: string): AreaNode[] {
    return this.kids.get(code) ?? [];
  }

  /** The area and those above it, nearest first. */
  lineage(code: string): string[] {
    const out: string[] = [];
    for (let c: string | null | undefined = code; c && this.byCode.has(c); c = this.byCode.get(c)!.parent) out.push(c);
    return out;
  }

  /** 0 for a root (the city), 1 a county, 2 a town, 3 a village. */
  depth(code: string): number {
    return this.lineage(code).length - 1;
  }

  isWithin(code: string, ancestor: string): boolean {
    return this.lineage(code).includes(ancestor);
  }

  atDepth(depth: number): AreaNode[] {
    return this.list.filter((a) => this.depth(a.code) === depth);
  }

  /** Counts of leaf areas summed into every area above them. */
  rollUp(leaves: readonly { area: string; counts: Record<string, number> }[]): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const l of leaves)
      for (const code of this.lineage(l.area)) {
        const c = out.get(code) ?? {};
        for (const [k, n] of Object.entries(l.counts)) c[k] = (c[k] ?? 0) + n;
        out.set(code, c);
      }
    return out;
  }
}
