import type { DrillRun } from './run-drill';

const REACHED = new Set(['delivered', 'acknowledged', 'unanswered']);

export interface Quantiles {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface DrillSummary {
  scenario: string;
  title: string;
  seed: number;
  simulatedS: number;
  deliveries: number;
  byStatus: Record<string, number>;
  /** Reached (delivered, acknowledged or unanswered) over all deliveries. */
  reachRate: number;
  /** 叫应率: acknowledged over deliveries of orders that asked for an answer. */
  answerRate: number | null;
  /** Seconds from the order to the delivery's first `delivered` / `acknowledged`, by channel and by priority. */
  timeToDelivered: { byChannel: Record<string, Quantiles>; byPriority: Record<string, Quantiles> };
  timeToAcknowledged: { byChannel: Record<string, Quantiles>; byPriority: Record<string, Quantiles> };
  neverReached: { order: string; personId: string; name: string; area: string; status: string; reason: string | null }[];
  /** Reached, asked for an answer, and silent to the end: whom to call next. */
  unanswered: { order: string; personId: string; name: string; area: string }[];
  relays: { type: string; at: string; area: unknown; resource?: unknown; unreached?: unknown }[];
  problems: string[];
}

export function quantiles(values: number[]): Quantiles {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : null);
  return { n: v.length, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}

function group(rows: { key: string; value: number }[]): Record<string, Quantiles> {
  const by = new Map<string, number[]>();
  for (const r of rows) {
    const values = by.get(r.key);
    if (values) values.push(r.value);
    else by.set(r.key, [r.value]);
  }
  return Object.fromEntries([...by].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, quantiles(v)]));
}

export function summarize(run: DrillRun): DrillSummary {
  const orders = new Map(run.orders.map((o) => [o.orderId, o]));
  const firstOf = (status: string) => {
    const seen = new Map<string, { channel: string; priority: string; s: number }>();
    for (const e of run.events) {
      const p = e.payload as { type: string; status?: string; deliveryId?: string; orderId?: string; channel?: string | null };
      if (p.type !== 'receipt' || p.status !== status || seen.has(p.deliveryId!)) continue;
      const o = orders.get(p.orderId!);
      if (o) seen.set(p.deliveryId!, { channel: p.channel ?? 'none', priority: o.priority, s: (e.at - o.acceptedAt) / 1000 });
    }
    const rows = [...seen.values()];
    return {
      byChannel: group(rows.map((r) => ({ key: r.channel, value: r.s }))),
      byPriority: group(rows.map((r) => ({ key: r.priority, value: r.s }))),
    };
  };
  const byStatus: Record<string, number> = {};
  for (const d of run.deliveries) byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
  const askedFor = new Set(run.orders.filter((o) => o.ackRequired).map((o) => o.name));
  const asked = run.deliveries.filter((d) => askedFor.has(d.orderName));
  return {
    scenario: run.scenario.name,
    title: run.scenario.title,
    seed: run.seed,
    simulatedS: (run.endAt - run.startAt) / 1000,
    deliveries: run.deliveries.length,
    byStatus,
    reachRate: run.deliveries.length ? run.deliveries.filter((d) => REACHED.has(d.status)).length / run.deliveries.length : 0,
    answerRate: asked.length ? asked.filter((d) => d.status === 'acknowledged').length / asked.length : null,
    timeToDelivered: firstOf('delivered'),
    timeToAcknowledged: firstOf('acknowledged'),
    neverReached: run.deliveries
      .filter((d) => !REACHED.has(d.status))
      .map((d) => ({ order: d.orderName, personId: d.personId, name: d.personName, area: d.area, status: d.status, reason: d.detail })),
    unanswered: run.deliveries.filter((d) => d.status === 'unanswered').map((d) => ({ order: d.orderName, personId: d.personId, name: d.personName, area: d.area })),
    relays: run.events
      .filter((e) => e.type.startsWith('relay.'))
      .map((e) => {
        const p = e.payload as Record<string, unknown>;
        return { type: e.type, at: new Date(e.at).toISOString(), area: p.area, resource: p.resource, unreached: p.unreached };
      }),
    problems: run.problems,
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const secs = (x: number | null) => (x === null ? '-' : x < 120 ? `${x.toFixed(0)} s` : `${(x / 60).toFixed(1)} min`);
/** An area code with its name: `330103004 黄泥镇`. */
const areaOf = (run: DrillRun, code: unknown) => (typeof code === 'string' && run.areaNames[code] ? `${code} ${run.areaNames[code]}` : String(code ?? ''));
const clockOf = (run: DrillRun, at: number) => {
  const s = Math.round((at - run.startAt) / 1000);
  return `+${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
};

function table(title: string, rows: Record<string, Quantiles>): string[] {
  const keys = Object.keys(rows);
  if (!keys.length) return [`${title}: none`, ''];
  return [`| ${title} | n | p50 | p90 | p99 |`, '|---|---|---|---|---|', ...keys.map((k) => `| ${k} | ${rows[k].n} | ${secs(rows[k].p50)} | ${secs(rows[k].p90)} | ${secs(rows[k].p99)} |`), ''];
}

export function markdown(run: DrillRun, s: DrillSummary, svgFile: string): string {
  const lines = [
    `# Drill report: ${s.title}`,
    '',
    `Scenario \`${s.scenario}\`, seed ${s.seed}, ${(s.simulatedS / 3600).toFixed(1)} h of simulated time.`,
    run.scenario.description ? `\n${run.scenario.description.trim()}\n` : '',
    `![timeline](${svgFile})`,
    '',
    '## Outcome',
    `- deliveries: ${s.deliveries}; ${Object.entries(s.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- reach rate: ${pct(s.reachRate)}`,
    `- answer rate (叫应率): ${pct(s.answerRate)}`,
    '',
    '## Orders',
    '| order | ref | priority | answer asked | deliveries | accepted at |',
    '|---|---|---|---|---|---|',
    ...run.orders.map((o) => `| ${o.name} | ${o.ref} | ${o.priority} | ${o.ackRequired ? 'yes' : 'no'} | ${o.deliveries} | ${clockOf(run, o.acceptedAt)} |`),
    '',
    '## Time to delivered',
    ...table('channel', s.timeToDelivered.byChannel),
    ...table('priority', s.timeToDelivered.byPriority),
    '## Time to acknowledged',
    ...table('channel', s.timeToAcknowledged.byChannel),
    ...table('priority', s.timeToAcknowledged.byPriority),
    '## Channels and relays',
    ...run.events
      .filter((e) => e.type === 'channel' || e.type.startsWith('relay.'))
      // At the start, only what is not up: the initial `up` of every channel says nothing.
      .filter((e) => e.at > run.startAt || (e.payload as { state?: string }).state !== 'up')
      .map((e) => {
        const p = e.payload as Record<string, unknown>;
        return e.type === 'channel'
          ? `- ${clockOf(run, e.at)} ${p.channel} in ${areaOf(run, p.area)}: ${p.state}`
          : `- ${clockOf(run, e.at)} ${e.type}: ${[p.resource, areaOf(run, p.area), p.unreached === undefined ? '' : `${p.unreached} unreached`].filter(Boolean).join(' ')}`;
      }),
    '',
    `## Never reached (${s.neverReached.length})`,
    ...(s.neverReached.length
      ? ['| order | person | area | status | reason |', '|---|---|---|---|---|', ...s.neverReached.map((n) => `| ${n.order} | ${n.personId} ${n.name} | ${areaOf(run, n.area)} | ${n.status} | ${n.reason ?? ''} |`)]
      : ['Everyone was reached.']),
    '',
    `## Reached, never answered (${s.unanswered.length})`,
    ...(s.unanswered.length
      ? ['| order | person | area |', '|---|---|---|', ...s.unanswered.map((n) => `| ${n.order} | ${n.personId} ${n.name} | ${areaOf(run, n.area)} |`)]
      : ['Everyone asked answered.']),
    '',
    '## What the simulation assumed',
    ...run.assumptions.map((a) => `- ${a}`),
    '',
    ...(s.problems.length ? ['## Steps the router refused', ...s.problems.map((p) => `- ${p}`), ''] : []),
  ];
  return `${lines.join('\n')}\n`;
}

const COLORS: Record<string, string> = {
  queued: '#e6a700', sending: '#8fb3e0', sent: '#4f81bd', delivered: '#2e9b4f', acknowledged: '#1b5e20',
  unanswered: '#9c27b0', expired: '#c62828', failed: '#6d0000', cancelled: '#777777', new: '#bbbbbb',
};
const STATE_COLORS: Record<string, string> = { up: '#2e9b4f', degraded: '#e6a700', down: '#c62828' };
const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Deliveries by status over time (lines), and channel states per area (strips). */
export function svg(run: DrillRun): string {
  const W = 960;
  const left = 170;
  const plotW = W - left - 20;
  const chartH = 260;
  const span = Math.max(1, run.endAt - run.startAt);
  const x = (at: number) => left + ((at - run.startAt) / span) * plotW;
  const max = Math.max(1, ...run.samples.map((s) => Object.values(s.counts).reduce((a, b) => a + b, 0)));
  const y = (n: number) => 20 + chartH - (n / max) * chartH;
  const statuses = Object.keys(COLORS).filter((st) => run.samples.some((s) => s.counts[st]));
  const parts: string[] = [];
  statuses.forEach((st, i) => {
    const pts = run.samples.map((s) => `${x(s.at).toFixed(1)},${y(s.counts[st] ?? 0).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${COLORS[st]}" stroke-width="2" points="${pts}"/>`);
    parts.push(`<rect x="${10}" y="${24 + i * 16}" width="10" height="10" fill="${COLORS[st]}"/><text x="26" y="${33 + i * 16}">${st}</text>`);
  });
  parts.push(`<text x="${left}" y="14">deliveries by status</text>`);
  // Axes: deliveries up the side, hours since the start along the bottom.
  parts.push(`<line x1="${left}" y1="20" x2="${left}" y2="${20 + chartH}" stroke="#333"/><line x1="${left}" y1="${20 + chartH}" x2="${left + plotW}" y2="${20 + chartH}" stroke="#333"/>`);
  parts.push(`<text x="${left - 6}" y="24" text-anchor="end">${max}</text><text x="${left - 6}" y="${24 + chartH / 2}" text-anchor="end">${Math.round(max / 2)}</text><text x="${left - 6}" y="${24 + chartH}" text-anchor="end">0</text>`);
  const hours = span / 3_600_000;
  const tick = hours > 12 ? 2 : 1;
  /** Hour ticks along a time axis at `y`. */
  const hourTicks = (y: number) => {
    for (let h = 0; h <= hours; h += tick) {
      const at = x(run.startAt + h * 3_600_000);
      parts.push(`<line x1="${at}" y1="${y}" x2="${at}" y2="${y + 5}" stroke="#333"/><text x="${at - 8}" y="${y + 18}">${h}h</text>`);
    }
  };
  hourTicks(20 + chartH);
  // Channel strips: one row per (channel, area), drawn below when it was ever not up or changed later.
  const rows = new Map<string, { at: number; state: string }[]>();
  for (const e of run.events) {
    if (e.type !== 'channel') continue;
    const p = e.payload as { channel: string; area: string; state: string };
    const k = `${p.channel} ${areaOf(run, p.area)}`;
    const changes = rows.get(k);
    if (changes) changes.push({ at: e.at, state: p.state });
    else rows.set(k, [{ at: e.at, state: p.state }]);
  }
  let row = 0;
  const top = chartH + 80;
  // Every strip that was ever not up, from the first second on (the outage a scenario is about
  // often starts at +0:00), or that changed later.
  parts.push(`<text x="10" y="${top - 14}">channel state by area</text>`);
  Object.entries(STATE_COLORS).forEach(([state, color], i) => parts.push(`<rect x="${left + i * 90}" y="${top - 24}" width="10" height="10" fill="${color}"/><text x="${left + 16 + i * 90}" y="${top - 15}">${state}</text>`));
  for (const [k, changes] of [...rows].filter(([, c]) => c.some((ch) => ch.at > run.startAt || ch.state !== 'up')).sort(([a], [b]) => a.localeCompare(b))) {
    const yy = top + row * 18;
    parts.push(`<text x="10" y="${yy + 11}">${esc(k)}</text>`);
    changes.forEach((c, i) => {
      const end = changes[i + 1]?.at ?? run.endAt;
      parts.push(`<rect x="${x(c.at).toFixed(1)}" y="${yy}" width="${Math.max(1, x(end) - x(c.at)).toFixed(1)}" height="14" fill="${STATE_COLORS[c.state] ?? '#999'}"/>`);
    });
    row++;
  }
  // The time axis again under the strips, in hours since the start.
  const axis = top + row * 18 + 4;
  hourTicks(axis);
  parts.push(`<text x="${left}" y="${axis + 34}">hours since the start (${esc(run.scenario.startsAt)})</text>`);
  const H = axis + 44;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}
