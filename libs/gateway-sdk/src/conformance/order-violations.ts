import type { Seen } from './fake-router';

/**
 * Receipts that would confuse a router: for attempts it never sent, `delivered` before
 * `accepted` on the same link, one attempt both delivered and failed. Repeats of the same answer
 * are fine: the router may send an attempt again and hear its outcome twice. A frame written as a
 * link closed is lost, so a `delivered` on a new link may come without its `accepted`.
 */
export function orderViolations(seen: readonly Seen[], sent: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const byAttempt = new Map<string, string[]>();
  for (const s of seen) {
    if (!('attemptId' in s.frame)) continue;
    const id = s.frame.attemptId;
    if (!sent.has(id)) {
      problems.push(`${s.frame.type} for ${id}, an attempt never sent`);
      continue;
    }
    const types = byAttempt.get(id) ?? [];
    if (s.frame.type === 'delivered' && !types.includes(`accepted@${s.link}`)) problems.push(`delivered before accepted for ${id}`);
    types.push(s.frame.type, `${s.frame.type}@${s.link}`);
    byAttempt.set(id, types);
  }
  for (const [id, types] of byAttempt)
    if (types.includes('delivered') && types.includes('failed')) problems.push(`${id} both delivered and failed (${types.join(' > ')})`);
  return problems;
}
