import { seededRandom, type TerminalKind } from '@lifeline/domain';

/** How the people holding some roles behave in drills; `roles: null` is everyone else. */
export interface PeopleRule {
  roles: string[] | null;
  /** Probability of answering an order that asks for an answer, once it reached them. */
  answer: number;
  /** Seconds from receiving the order to answering. */
  delayS: [number, number];
  /** Share of them whose terminal is off (flat battery, switched off, left at home): nothing reaches it. */
  phoneOff: number;
}

export interface PeopleSpec {
  /** The first rule naming one of a person's roles applies; the `roles: null` rule to the rest. */
  rules: PeopleRule[];
  /** Hours of the night (local time): fewer answer, and later. */
  night: { fromHour: number; toHour: number; answerFactor: number; delayFactor: number };
  /** Minutes east of UTC of the local time (480: Beijing). */
  utcOffsetMin: number;
}

/** What a simulated terminal's holder does with an order's message now. */
export interface PersonBehaviour {
  phoneOff: boolean;
  /** Whether they answer, if an order reaches them now: sending it again does not change their mind. */
  answers: boolean;
  delayMs: [number, number];
}

/** Who holds a terminal: the directory's person, by terminal kind and address. */
export type TerminalHolder = (kind: TerminalKind, address: string) => { id: string; roles: readonly string[] } | undefined;

/**
 * The people behind simulated terminals (drills): whether they answer, how soon, by role and time
 * of day, and whose phone is off. Whose phone is off is fixed for a seed (a person and a terminal
 * kind), so a drill replays exactly and its "never reached" list names the same people.
 */
export class SimulatedPeople {
  constructor(
    private readonly spec: PeopleSpec,
    private readonly seed: number,
    private readonly holder: TerminalHolder,
  ) {}

  /** Null for an address no person of the directory holds: the channel's own settings apply. */
  behaviour(kind: TerminalKind, address: string, at: number): PersonBehaviour | null {
    const person = this.holder(kind, address);
    if (!person) return null;
    const rule = this.spec.rules.find((r) => r.roles?.some((role) => person.roles.includes(role))) ?? this.spec.rules.find((r) => r.roles === null);
    if (!rule) return null;
    const night = this.isNight(at);
    const { answerFactor, delayFactor } = night ? this.spec.night : { answerFactor: 1, delayFactor: 1 };
    // Fixed draws per person (and terminal): a drill replays exactly, and an order sent again
    // finds the same person, who may since have woken up (the night's factor no longer applies).
    const draw = (...key: string[]) => seededRandom(hash([this.seed, person.id, ...key].join('\u0000')))();
    return {
      phoneOff: draw('phone', kind) < rule.phoneOff,
      answers: draw('answer') < rule.answer * answerFactor,
      delayMs: [rule.delayS[0] * 1000 * delayFactor, rule.delayS[1] * 1000 * delayFactor],
    };
  }

  private isNight(at: number): boolean {
    const hour = new Date(at + this.spec.utcOffsetMin * 60_000).getUTCHours();
    const { fromHour, toHour } = this.spec.night;
    return fromHour <= toHour ? hour >= fromHour && hour < toHour : hour >= fromHour || hour < toHour;
  }
}

/** FNV-1a: a stable number from a string, to seed one person's draw. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
