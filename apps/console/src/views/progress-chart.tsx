import type { T } from '../i18n';
import type { Progress } from '../model/types';

const W = 320;
const H = 90;

/** 叫应率 and reach rate over time, from the order's progress (SVG, no chart library). */
export function ProgressChart(props: { t: T; progress: Progress | null }) {
  const { t, progress } = props;
  if (!progress || progress.points.length < 1 || progress.total === 0) return null;
  const pts = progress.points.map((p) => ({ at: Date.parse(p.at), reach: p.reached / progress.total, answer: p.acknowledged / progress.total }));
  const t0 = pts[0].at;
  const span = Math.max(pts[pts.length - 1].at - t0, 1);
  const x = (at: number) => 30 + ((at - t0) / span) * (W - 40);
  const y = (v: number) => 8 + (1 - v) * (H - 24);
  const line = (k: 'reach' | 'answer') => pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p[k]).toFixed(1)}`).join('');
  const elapsed = span < 120_000 ? `+${Math.round(span / 1000)} s` : `+${Math.round(span / 60_000)} min`;
  return (
    <figure class="chart" data-testid="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('board.chart')}>
        <line x1={30} y1={y(0)} x2={W - 10} y2={y(0)} class="axis" />
        <line x1={30} y1={y(1)} x2={W - 10} y2={y(1)} class="grid" />
        <text x={26} y={y(1) + 4} class="tick" text-anchor="end">100%</text>
        <text x={26} y={y(0) + 4} class="tick" text-anchor="end">0</text>
        <text x={W - 10} y={H - 2} class="tick" text-anchor="end">{elapsed}</text>
        <path d={line('reach')} class="reach" />
        <path d={line('answer')} class="answer" />
      </svg>
      <figcaption>
        <span class="key reach">{t('board.reachRate')}</span> <span class="key answer">{t('board.answerRate')}</span>
      </figcaption>
    </figure>
  );
}
