import type { LonLat } from './geo/geometry';

/** Terminal addresses a person holds, keyed by terminal kind (any subset). */
export const TERMINAL_KINDS = ['public', 'pdt', 'tiantong', 'beidou'] as const;
export type TerminalKind = (typeof TERMINAL_KINDS)[number];
export type Terminals = Partial<Record<TerminalKind, string>>;

export interface Person {
  id: string;
  name: string;
  area: string;
  roles: string[];
  terminals: Terminals;
  /** Where the person lives or is posted, when the directory knows: geofences match by it. */
  location?: LonLat;
}
