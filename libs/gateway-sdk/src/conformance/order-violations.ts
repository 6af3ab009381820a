import type { Seen } from './fake-router';

/**
 * Receipts that would confuse a router: for attempts it never sent, `delivered` before
 * `accepted` on the same link, one attempt both delivered and failed. Repeats of the same answer
 * are fine: the router may send an attempt again and hear its outcome twice. A frame written as a
 * link closed is lost, so a `delivered` on a new link may come without its `accepted`.
 */
export function orderViolations(seen: readonly Seen[], sent: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const byAttempt = new Map<string, { type: string; link: number }[]>();
  for (const s of seen) {
    if (!('attemptId' in s.frame)) continue;
    const id = s.frame.attemptId;
    if (!sent.has(id)) {
      problems.push(`${s.frame.type} for ${id}, an attempt never sent`);
      continue;
    }
    const answers = byAttempt.get(id) ?? [];
    if (s.frame.type === 'delivered' && !answers.some((a) => a.type === 'accepted' && a.link === s.link)) problems.push(`delivered before accepted for ${id}`);
    answers.push({ type: s.frame.type, link: s.link });
    byAttempt.set(id, answers);
  }
  for (const [id, answers] of byAttempt) {
    const types = answers.map((a) => a.type);
    if (types.includes('delivered') && types.includes('failed')) problems.push(`${id} both delivered and failed (${types.join(' > ')})`);
  }
  return problems;
}
