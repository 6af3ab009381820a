import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { nameOf, timeOf, type T } from '../i18n';
import { minutesLeft } from '../model/clock';
import type { Circle, Corners } from '../model/draft';
import type { Areas, AreaNode } from '../model/areas';
import { rates, percent } from '../model/statuses';
import type { ChannelStateView, OrderSummary, OutageView, RelayView } from '../model/types';
import { fitProjection, labelPoint, svgPath, metresToUnits, type LabelsToAvoid } from '../map/projection';
import { statesAt } from '../map/channel-states';

const WIDTH = 1000;

/** Shading of an area by its answer rate: pale red (none answered) to green (all answered). */
function rateFill(rate: number): string {
  const from = [246, 214, 208];
  const to = [76, 160, 110];
  return `rgb(${from.map((c, i) => Math.round(c + (to[i] - c) * rate)).join(',')})`;
}

/**
 * The situation map (一张图), drawn from the directory's geometry alone: counties, towns and
 * villages; channels down or degraded where the router says so; drill outages; relay drones on
 * their way or on station; the open order's answer rate as shading. Click a village to pick it.
 */
export function SituationMap(props: {
  t: T;
  areas: Areas;
  states: ChannelStateView[];
  outages: OutageView[];
  relays: RelayView[];
  /** The router's now (ms): relay times are counted on its clock. */
  now: () => number;
  /** Whether the open order asks for an answer: its shading is then 叫应率, else reach. */
  asksAnswer: boolean;
  /** The open order's counts by area (rolled up), when one is open. */
  orderCounts: Map<string, Record<string, number>> | null;
  selected: string | null;
  onSelect: (code: string) => void;
  onAddToOrder: (code: string) => void;
  canAdd: (code: string) => boolean;
  /** The composer's circles (电子围栏), drawn on the map. */
  circles: Circle[];
  /** The composer's polygons (电子围栏), drawn on the map. */
  polygons: Corners[];
  /** The open order's targets: its fences are drawn (its areas are shaded by its counts). */
  orderTo: OrderSummary['to'] | null;
  /** Given when the token may send: a circle or polygon drawn on the map goes to the composer. */
  onCircle?: (c: Circle) => void;
  onPolygon?: (corners: Corners) => void;
}) {
  const { t, areas } = props;
  const shaped = useMemo(() => areas.list.filter((a) => a.geometry), [areas]);
  const proj = useMemo(() => fitProjection(shaped.map((a) => a.geometry!), WIDTH), [shaped]);
  const paths = useMemo(() => new Map(shaped.map((a) => [a.code, svgPath(a.geometry!, proj)])), [shaped, proj]);
  const byDepth = (d: number) => shaped.filter((a) => areas.depth(a.code) === d);
  const leaves = shaped.filter((a) => areas.children(a.code).length === 0);
  // One channel's states at a time: the drone channel is down wherever no drone is on station,
  // which would hatch the whole city and hide what matters.
  const channels = [...new Set(props.states.map((s) => s.channel))];
  const [shown, setShown] = useState('public');
  // A relay's time left counts down between events: draw again every half minute while one is out.
  const [, setBeat] = useState(0);
  const flying = props.relays.length > 0;
  useEffect(() => {
    if (!flying) return;
    const timer = setInterval(() => setBeat((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, [flying]);
  // Drawing a fence: a circle's centre is the next click; a polygon's corners are the clicks
  // until Enter or 完成 (at least three), Backspace takes the last back, Esc gives it up.
  const [drawing, setDrawing] = useState<'circle' | 'polygon' | null>(null);
  const [corners, setCorners] = useState<Corners>([]);
  const draw = (mode: 'circle' | 'polygon' | null) => (setDrawing(mode), setCorners([]));
  const finish = () => {
    if (corners.length < 3 || !props.onPolygon) return;
    props.onPolygon(corners);
    draw(null);
  };
  useEffect(() => {
    if (!drawing) return;
    const keys = (e: KeyboardEvent) => {
      if (e.key === 'Escape') return draw(null);
      // Enter and Backspace belong to a field or button that has the focus (the composer stays
      // open while one draws): only keys pressed elsewhere finish or shorten the polygon.
      const target = e.target as Element | null;
      if (drawing !== 'polygon' || target?.closest?.('input, textarea, select, button, [role=button], [contenteditable]')) return;
      if (e.key === 'Enter') finish();
      else if (e.key === 'Backspace') setCorners((c) => c.slice(0, -1));
    };
    addEventListener('keydown', keys);
    return () => removeEventListener('keydown', keys);
  }, [drawing, corners]);
  const place = (e: MouseEvent) => {
    const svg = (e.currentTarget as SVGElement).ownerSVGElement;
    const ctm = svg?.getScreenCTM();
    if (!svg || !ctm) return;
    const q = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    const [lon, lat] = proj.invert(q.x, q.y);
    const at: [number, number] = [Math.round(lon * 1e5) / 1e5, Math.round(lat * 1e5) / 1e5];
    if (drawing === 'polygon') return setCorners((c) => [...c, at]);
    props.onCircle?.({ center: at, radiusM: 2_000 });
    draw(null);
  };
  const ring = (cs: Corners) => cs.map((c) => proj.point(c).join(',')).join(' ');
  const channel = channels.includes(shown) ? shown : (channels[0] ?? '');
  const bad = props.states.filter((s) => s.channel === channel && s.state !== 'up' && paths.has(s.area));
  const badAreas = [...new Set(bad.map((s) => s.area))];
  // Hatching by what holds in each village (the nearest state stated for it or above it): a drone
  // on station keeps its village up under a city-wide 'drone down'.
  const badLeaves = leaves.flatMap((a) => {
    const held = statesAt(areas, props.states, a.code).get(channel);
    return held && held.state !== 'up' ? [{ code: a.code, state: held.state }] : [];
  });
  // Orders that ask no answer are shaded by reach: their answer rate is always nil.
  const rateOf = (c: Record<string, number>) => (props.asksAnswer ? rates(c).answerRate : rates(c).reachRate);
  const rateWord = props.asksAnswer ? t('board.answerRate') : t('board.reachRate');
  const activeOutages = props.outages.filter((o) => o.active !== false && o.area && paths.has(o.area));
  const label = (a: AreaNode, cls: string, avoid?: LabelsToAvoid) => {
    const [x, y] = labelPoint(a.geometry!, proj, avoid);
    return <text x={x} y={y} class={cls} text-anchor="middle">{a.name}</text>;
  };
  // A county's name goes where none of its towns' names is (bent shapes put both in the middle).
  const townLabels = (county: string): LabelsToAvoid => ({ at: byDepth(2).filter((t) => t.parent === county).map((t) => labelPoint(t.geometry!, proj)), gap: [64 * unit, 24 * unit] });
  const sel = props.selected ? areas.get(props.selected) : undefined;
  // Labels and lines keep their size on screen however small the map is drawn: --u is one
  // screen pixel in the map's own units.
  const svgRef = useRef<SVGSVGElement>(null);
  const [unit, setUnit] = useState(1);
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || typeof ResizeObserver === 'undefined') return;
    const fit = () => {
      const scale = Math.min(svg.clientWidth / proj.width, svg.clientHeight / proj.height);
      if (scale > 0) setUnit(1 / scale);
    };
    const watch = new ResizeObserver(fit);
    watch.observe(svg);
    fit();
    return () => watch.disconnect();
  }, [proj]);
  // The villages are one tab stop (a roving tabindex): arrow keys move between them by where
  // they lie, Enter or Space picks one; Tab goes on past the map.
  const centres = useMemo(() => new Map(leaves.map((a) => [a.code, labelPoint(a.geometry!, proj)])), [shaped, proj]);
  const [roving, setRoving] = useState<string | null>(null);
  const stop = [roving, props.selected].find((c) => c && centres.has(c)) ?? leaves[0]?.code;
  const move = (from: string, key: string) => {
    const [x0, y0] = centres.get(from)!;
    const [ax, ay] = ({ ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] } as Record<string, [number, number]>)[key];
    let best: string | null = null;
    let score = Infinity;
    for (const [code, [x, y]] of centres) {
      const along = (x - x0) * ax + (y - y0) * ay;
      if (along <= 0.5) continue;
      const s = along + 2 * Math.abs((x - x0) * ay + (y - y0) * ax); // straight ahead first
      if (s < score) (score = s), (best = code);
    }
    if (!best) return;
    setRoving(best);
    document.querySelector<SVGElement>(`[data-testid="map-area-${best}"]`)?.focus();
  };

  return (
    <section class="map" id="situation" tabIndex={-1} aria-label={t('map.title')}>
      <svg ref={svgRef} style={{ '--u': unit.toFixed(3) }} viewBox={`0 0 ${proj.width} ${proj.height}`} data-testid="map" role="group" aria-label={`${t('map.title')}: ${t('map.keys')}`}>
        <defs>
          <pattern id="hatch-down" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="10" height="10" fill="rgba(200,30,30,0.18)" />
            <line x1="0" y1="0" x2="0" y2="10" stroke="rgba(200,30,30,0.75)" stroke-width="4" />
          </pattern>
          <pattern id="hatch-degraded" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <line x1="0" y1="0" x2="0" y2="10" stroke="rgba(230,140,20,0.7)" stroke-width="3" />
          </pattern>
        </defs>
        {leaves.map((a) => {
          const c = props.orderCounts?.get(a.code);
          const fill = c ? rateFill(rateOf(c)) : '#eef2f5';
          return (
            <path
              key={a.code}
              d={paths.get(a.code)}
              class={`village${a.code === props.selected ? ' selected' : ''}`}
              fill={fill}
              data-testid={`map-area-${a.code}`}
              tabindex={a.code === stop ? 0 : -1}
              role="button"
              aria-label={a.name}
              aria-pressed={a.code === props.selected}
              onClick={() => (setRoving(a.code), props.onSelect(a.code))}
              onFocus={() => setRoving(a.code)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') (e.preventDefault(), props.onSelect(a.code));
                else if (e.key.startsWith('Arrow')) (e.preventDefault(), move(a.code, e.key));
              }}
            >
              <title>{a.name}{c ? ` · ${rateWord} ${percent(rateOf(c))}` : ''}</title>
            </path>
          );
        })}
        {badLeaves.map((b) => <path key={`bad-${b.code}`} d={paths.get(b.code)} class={`state-${b.state}`} fill={`url(#hatch-${b.state})`} data-testid={`map-${b.state}-${b.code}`} />)}
        {activeOutages.map((o) => <path key={o.outageId} d={paths.get(o.area!)} class="outage" data-testid={`map-outage-${o.area}`} />)}
        {byDepth(2).map((a) => <path key={`t-${a.code}`} d={paths.get(a.code)} class="town" />)}
        {byDepth(1).map((a) => <path key={`c-${a.code}`} d={paths.get(a.code)} class="county" />)}
        {byDepth(0).map((a) => <path key={`r-${a.code}`} d={paths.get(a.code)} class="city" />)}
        {sel?.geometry && <path d={paths.get(sel.code)} class="selected-outline" />}
        {byDepth(2).map((a) => label(a, 'label-town'))}
        {byDepth(1).map((a) => label(a, 'label-county', townLabels(a.code)))}
        {badAreas.map((code) => {
          const [x, y] = labelPoint(areas.get(code)!.geometry!, proj);
          const names = bad.filter((s) => s.area === code).map((s) => `${nameOf(t, 'channel', s.channel)} ${t(`map.legend.${s.state}`)}`).join(' · ');
          return <text key={`bl-${code}`} x={x} y={y + 14 * unit} class="label-state" text-anchor="middle">{names}</text>;
        })}
        {props.relays.filter((r) => paths.has(r.area)).map((r) => {
          const [x, y] = labelPoint(areas.get(r.area)!.geometry!, proj);
          const time = r.state === 'on-station' ? r.leaveAt : r.arriveAt;
          const at = time ? timeOf(time) : '';
          const words = r.state === 'on-station' ? t('map.relayOnStation', { resource: r.resource, time: at, left: time ? minutesLeft(time, props.now()) : '?' }) : t('map.relayOnWay', { resource: r.resource, time: at });
          return (
            <g key={`relay-${r.resource}`} class={`relay relay-${r.state}`} transform={`translate(${x},${y - 26 * unit})`} data-testid={`map-relay-${r.resource}`}>
              <path d="M0,-9 L8,7 L0,3 L-8,7 Z" transform={`scale(${unit})`} />
              <text y={18 * unit} text-anchor="middle">{words}</text>
            </g>
          );
        })}
        {props.circles.map((c, i) => {
          const [cx, cy] = proj.point(c.center);
          return <circle key={`fence-${i}`} class="fence" cx={cx} cy={cy} r={metresToUnits(proj, c.center, c.radiusM)} data-testid={`map-circle-${i}`} />;
        })}
        {props.polygons.map((cs, i) => <polygon key={`fence-p-${i}`} class="fence" points={ring(cs)} data-testid={`map-polygon-${i}`} />)}
        {(props.orderTo?.polygons ?? []).map((g, i) => (
          <path key={`order-p-${i}`} class="fence order-fence" d={svgPath(g, proj)} data-testid={`map-order-polygon-${i}`} />
        ))}
        {(props.orderTo?.circles ?? []).map((c, i) => {
          const [cx, cy] = proj.point(c.center);
          return <circle key={`order-c-${i}`} class="fence order-fence" cx={cx} cy={cy} r={metresToUnits(proj, c.center, c.radiusM)} data-testid={`map-order-circle-${i}`} />;
        })}
        {drawing === 'polygon' && corners.length > 0 && (
          <g class="fence drawing" data-testid="map-corners">
            <polyline points={ring(corners)} />
            {corners.map((c, i) => {
              const [x, y] = proj.point(c);
              return <circle key={i} cx={x} cy={y} r={4} />;
            })}
          </g>
        )}
        {drawing && <rect class="draw-layer" x={0} y={0} width={proj.width} height={proj.height} fill="transparent" data-testid="map-draw-layer" onClick={place} />}
      </svg>
      <Legend t={t} withOrder={props.orderCounts !== null} channels={channels} channel={channel} onChannel={setShown} drawing={props.onCircle && props.onPolygon ? drawing : undefined} corners={corners.length} onDraw={(mode) => draw(drawing === mode ? null : mode)} onFinish={finish} />
      {sel && (
        <AreaDetails t={t} areas={areas} area={sel} states={props.states} outages={props.outages} relays={props.relays} counts={props.orderCounts?.get(sel.code) ?? null} onSelect={props.onSelect} onAdd={props.canAdd(sel.code) ? () => props.onAddToOrder(sel.code) : null} />
      )}
    </section>
  );
}

function Legend(props: {
  t: T;
  withOrder: boolean;
  channels: string[];
  channel: string;
  onChannel: (c: string) => void;
  /** What is being drawn; undefined when this token may not draw fences. */
  drawing: 'circle' | 'polygon' | null | undefined;
  /** Corners of the polygon being drawn. */
  corners: number;
  onDraw: (mode: 'circle' | 'polygon') => void;
  onFinish: () => void;
}) {
  const { t } = props;
  return (
    <ul class="legend">
      {props.drawing !== undefined && (
        <li>
          <button type="button" class="small" aria-pressed={props.drawing === 'circle'} data-testid="map-draw-circle" onClick={() => props.onDraw('circle')}>
            ◯ {t('map.drawCircle')}
          </button>{' '}
          <button type="button" class="small" aria-pressed={props.drawing === 'polygon'} data-testid="map-draw-polygon" onClick={() => props.onDraw('polygon')}>
            ⬠ {t('map.drawPolygon')}
          </button>
          {props.drawing === 'polygon' && (
            <button type="button" class="small" data-testid="map-draw-finish" disabled={props.corners < 3} onClick={props.onFinish}>
              {t('map.drawFinish')}
            </button>
          )}
          {props.drawing && <span class="hint" role="status"> {t(props.drawing === 'circle' ? 'map.drawHint' : 'map.polygonHint')}</span>}
        </li>
      )}
      <li>
        <label class="inline">
          {t('map.channel')}
          <select data-testid="map-channel" value={props.channel} onChange={(e) => props.onChannel(e.currentTarget.value)}>
            {props.channels.map((c) => <option key={c} value={c}>{nameOf(t, 'channel', c)}</option>)}
          </select>
        </label>
      </li>
      <li><span class="sw sw-down" />{t('map.legend.down')}</li>
      <li><span class="sw sw-degraded" />{t('map.legend.degraded')}</li>
      <li><span class="sw sw-outage" />{t('map.legend.outage')}</li>
      <li><span class="sw sw-relay">▲</span>{t('map.legend.relay')}</li>
      {props.withOrder && (
        <li><span class="sw sw-rate" />{t('map.legend.rate')} 0–100%</li>
      )}
    </ul>
  );
}

function AreaDetails(props: {
  t: T;
  areas: Areas;
  area: AreaNode;
  states: ChannelStateView[];
  outages: OutageView[];
  relays: RelayView[];
  counts: Record<string, number> | null;
  onSelect: (code: string) => void;
  onAdd: (() => void) | null;
}) {
  const { t, areas, area } = props;
  const held = [...statesAt(areas, props.states, area.code).values()];
  const line = areas.lineage(area.code);
  const outages = props.outages.filter((o) => o.active !== false && o.area && line.includes(o.area));
  return (
    <aside class="details" data-testid="area-details">
      <nav aria-label={t('filter.area')}>
        {line.reverse().map((c) => (
          <button type="button" class="link" key={c} onClick={() => props.onSelect(c)} aria-current={c === area.code}>{areas.name(c)}</button>
        ))}
      </nav>
      <h3>{t('map.channels')}</h3>
      <ul class="states">
        {held.map((s) => (
          <li key={s.channel} class={`state-${s.state}`} data-testid={`detail-${s.channel}`}>{nameOf(t, 'channel', s.channel)}: {t(`map.legend.${s.state}`)}</li>
        ))}
      </ul>
      {outages.length > 0 && (
        <>
          <h3>{t('map.outages')}</h3>
          <ul>{outages.map((o) => <li key={o.outageId}>{t(`kind.${o.kind as 'network'}`)} · {areas.name(o.area!)}</li>)}</ul>
        </>
      )}
      {props.counts && <p>{t('map.orderHere', { acked: props.counts.acknowledged ?? 0, total: rates(props.counts).total })}</p>}
      {props.onAdd && <button type="button" data-testid="map-add" onClick={props.onAdd}>{t('map.addToOrder')}</button>}
    </aside>
  );
}
