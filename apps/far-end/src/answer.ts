import { ACK_HINT } from '@lifeline/domain';

/**
 * What a person at the far end sends back to an order text that asks for an answer ("[A7K2]…
 * 回复1确认" → "A7K2 1"), if they answer at all (`probability`, drawn from `random`); null otherwise.
 */
export function answerTo(text: string, probability: number | undefined, random: () => number): string | null {
  const ref = /^\[([A-Z0-9]{4,6})\]/.exec(text)?.[1];
  if (!ref || !text.trimEnd().endsWith(ACK_HINT) || random() >= (probability ?? 0)) return null;
  return `${ref} 1`;
}
