import { escapeXml } from './cap-write';

export interface FeedEntry {
  /** A URI naming the alert for good (`urn:lifeline:alert:<sender>:<identifier>`). */
  id: string;
  title: string;
  summary: string;
  /** RFC 3339. */
  updated: string;
  /** Where the CAP document is. */
  capUrl: string;
}

/**
 * An Atom 1.0 feed (RFC 4287) of active alerts, each entry linking to its CAP document, as the
 * national and regional warning feeds publish them (OASIS CAP feeds profile: one entry per
 * alert, `alternate` link of type application/cap+xml).
 */
export function writeAtomFeed(f: { id: string; title: string; selfUrl: string; author: string; updated: string; entries: readonly FeedEntry[] }): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${escapeXml(f.id)}</id>`,
    `  <title>${escapeXml(f.title)}</title>`,
    `  <updated>${escapeXml(f.updated)}</updated>`,
    `  <author><name>${escapeXml(f.author)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(f.selfUrl)}"/>`,
  ];
  for (const e of f.entries)
    lines.push(
      '  <entry>',
      `    <id>${escapeXml(e.id)}</id>`,
      `    <title>${escapeXml(e.title)}</title>`,
      `    <updated>${escapeXml(e.updated)}</updated>`,
      `    <summary>${escapeXml(e.summary)}</summary>`,
      `    <link rel="alternate" type="application/cap+xml" href="${escapeXml(e.capUrl)}"/>`,
      '  </entry>',
    );
  lines.push('</feed>', '');
  return lines.join('\n');
}
