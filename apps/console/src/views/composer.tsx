import { useEffect, useRef, useState } from 'preact/hooks';
import { PRIORITIES, type Priority } from '@lifeline/domain';
import type { Api } from '../api/http';
import { nameOf, type T } from '../i18n';
import type { Areas } from '../model/areas';
import { hasTargets, MAX_LISTED, newClientRef, NO_PLACES, orderOf, TEMPLATES, type Draft } from '../model/draft';
import type { Directory, DirectoryRoles, Preview } from '../model/types';
import { reachOf } from '../board/reach';
import { AreaTree } from './area-tree';
import { Dialog } from './dialog';
import { explain, issuesByField } from './explain';
import { PreviewPanel } from './preview-panel';

type Person = Directory['people'][number];

/**
 * The order composer: targets (area tree, the map, roles, people search), the texts, a live
 * preview of reach and of every channel's text, and a confirmation that states the reach.
 */
export function Composer(props: {
  t: T;
  api: Api;
  areas: Areas;
  /** Every role within the token's scope, with how many people have it. */
  roles: DirectoryRoles['roles'];
  selectable: (code: string) => boolean;
  draft: Draft;
  setDraft: (d: Draft) => void;
  onSent: (orderId: string) => void;
}) {
  const { t, draft: d, setDraft, areas } = props;
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Person[]>([]);
  const [sent, setSent] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => setDraft({ ...d, ...patch });

  // Live preview, debounced: whom it reaches and what each channel carries.
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      // Nothing to reach yet: no request (it would only be refused for want of targets).
      if (!hasTargets(d)) return (setPreview(null), setError(null));
      try {
        // Reach needs no text: before the body is written, a placeholder stands in and the texts are not shown.
        const order = orderOf(d.body.trim() ? d : { ...d, body: '…' }, d.people.slice(0, MAX_LISTED).map((p) => p.id));
        const p = await props.api.post<Preview>('/api/orders/preview', { order });
        if (mine === seq.current) (setPreview(p), setError(null));
      } catch (e) {
        if (mine === seq.current) (setPreview(null), setError(e));
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [JSON.stringify(d)]);

  useEffect(() => {
    if (!query.trim()) return setFound([]);
    const timer = setTimeout(async () => {
      try {
        setFound((await props.api.get<Directory>(`/api/directory?limit=20&q=${encodeURIComponent(query.trim())}`)).people);
      } catch {
        setFound([]);
      }
    }, 250);
    return () => clearTimeout(timer);
  }, [query]);

  // One clientRef per draft being sent: a retry after a lost answer gets the order already made
  // back instead of making it again.
  const sending = useRef<{ draft: string; key: string } | null>(null);
  const send = async () => {
    setBusy(true);
    const draftKey = JSON.stringify(d);
    if (sending.current?.draft !== draftKey) sending.current = { draft: draftKey, key: newClientRef() };
    try {
      const a = await props.api.post<{ orderId: string; ref: string; deliveries: number }>('/api/orders', {
        clientRef: sending.current.key,
        order: orderOf(d, d.people.map((p) => p.id)),
      });
      sending.current = null; // sent: the same draft again is a new order
      setSent(t('compose.sent', { ref: a.ref, n: a.deliveries }));
      setConfirming(false);
      setError(null);
      props.onSent(a.orderId);
    } catch (e) {
      setError(e);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = issuesByField(error);
  const toggle = (list: string[], x: string) => (list.includes(x) ? list.filter((y) => y !== x) : [...list, x]);

  return (
    <form class="composer" data-testid="composer" onSubmit={(e) => (e.preventDefault(), setConfirming(true))}>
      <fieldset class="templates">
        <legend>{t('compose.templates')}</legend>
        {(['typhoon', 'flood', 'quake'] as const).map((k) => (
          <button type="button" key={k} data-testid={`tpl-${k}`} onClick={() => set(TEMPLATES[k])}>{t(`tpl.${k}`)}</button>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t('compose.targets')}</legend>
        <div class="chips" data-testid="chosen-areas">
          {d.areas.map((a) => (
            <span class="chip" key={a}>
              {areas.name(a)}
              <button type="button" aria-label={`${t('compose.remove')} ${areas.name(a)}`} onClick={() => set({ areas: d.areas.filter((x) => x !== a) })}>×</button>
            </span>
          ))}
          {d.people.slice(0, 20).map((p) => (
            <span class="chip person" key={p.id}>
              {p.name}
              <button type="button" aria-label={`${t('compose.remove')} ${p.name}`} onClick={() => set({ people: d.people.filter((x) => x.id !== p.id) })}>×</button>
            </span>
          ))}
          {d.people.length > 20 && <span class="chip">+{d.people.length - 20}</span>}
          {d.circles.map((c, i) => (
            <span class="chip fence" key={`c-${i}`} data-testid={`circle-${i}`}>
              <label>
                {t('compose.circle', { lon: c.center[0].toFixed(3), lat: c.center[1].toFixed(3) })}
                <input
                  type="number"
                  class="radius"
                  min={0.1}
                  max={500}
                  step={0.1}
                  data-testid={`circle-radius-${i}`}
                  aria-label={t('compose.radius')}
                  value={c.radiusM / 1000}
                  onInput={(e) => {
                    const km = Number(e.currentTarget.value);
                    if (km > 0) set({ circles: d.circles.map((x, j) => (j === i ? { ...x, radiusM: km * 1000 } : x)) });
                  }}
                />
                km
              </label>
              <button type="button" aria-label={`${t('compose.remove')} ${t('compose.circleName')}`} onClick={() => set({ circles: d.circles.filter((_, j) => j !== i) })}>×</button>
            </span>
          ))}
          {d.polygons.map((corners, i) => (
            <span class="chip fence" key={`p-${i}`} data-testid={`polygon-${i}`}>
              {t('compose.polygon', { n: corners.length })}
              <button type="button" aria-label={`${t('compose.remove')} ${t('compose.polygonName')}`} onClick={() => set({ polygons: d.polygons.filter((_, j) => j !== i) })}>×</button>
            </span>
          ))}
          {hasTargets(d) && (
            <button type="button" class="link" onClick={() => set({ ...NO_PLACES, people: [] })}>{t('compose.clear')}</button>
          )}
        </div>
        <details>
          <summary>{t('compose.areas')}</summary>
          <AreaTree areas={areas} chosen={d.areas} selectable={props.selectable} onToggle={(c) => set({ areas: toggle(d.areas, c) })} />
        </details>
        <p class="hint">{t('compose.mapHint')}</p>
        <div class="roles">
          <span>{t('compose.roles')}</span>
          {props.roles.map(({ role: r, people }) => (
            <label key={r}>
              <input type="checkbox" data-testid={`role-${r}`} checked={d.roles.includes(r)} onChange={() => set({ roles: toggle(d.roles, r) })} />
              {nameOf(t, 'role', r)} <span class="count">({people.toLocaleString()})</span>
            </label>
          ))}
        </div>
        <label>
          {t('compose.people')}
          <input type="search" data-testid="people-search" placeholder={t('compose.search')} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        {found.length > 0 && (
          <ul class="found">
            {found.map((p) => (
              <li key={p.id}>
                <button type="button" data-testid={`add-person-${p.id}`} onClick={() => (set({ people: d.people.some((x) => x.id === p.id) ? d.people : [...d.people, { id: p.id, name: p.name }] }), setQuery(''))}>
                  {t('compose.add')} {p.name} <small>{areas.name(p.area)} · {p.id}</small>
                </button>
              </li>
            ))}
          </ul>
        )}
      </fieldset>

      <div class="row">
        <label>
          {t('compose.priority')}
          <select data-testid="priority" value={d.priority} onChange={(e) => set({ priority: e.currentTarget.value as Priority })}>
            {PRIORITIES.map((p) => <option key={p} value={p}>{t(`priority.${p}`)}</option>)}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" data-testid="ack" checked={d.ackRequired} onChange={(e) => set({ ackRequired: e.currentTarget.checked })} />
          {t('compose.ack')}
        </label>
      </div>
      <label>
        {t('compose.body')}
        <textarea data-testid="body" rows={3} maxLength={4000} value={d.body} onInput={(e) => set({ body: e.currentTarget.value })} />
        {fieldError['order.body'] && <span class="field-error">{fieldError['order.body']}</span>}
      </label>
      <label>
        {t('compose.summary')}
        <input data-testid="summary" maxLength={500} value={d.summary} onInput={(e) => set({ summary: e.currentTarget.value })} />
      </label>
      <div class="row">
        <label>
          {t('compose.ackWithin')}
          <input type="number" min={1} data-testid="ack-within" value={d.ackWithinMin} disabled={!d.ackRequired} onInput={(e) => set({ ackWithinMin: Number(e.currentTarget.value) })} />
          {fieldError['order.ackWithinS'] && <span class="field-error">{fieldError['order.ackWithinS']}</span>}
        </label>
        <label>
          {t('compose.ttl')}
          <input type="number" min={1} data-testid="ttl" value={d.ttlMin} onInput={(e) => set({ ttlMin: Number(e.currentTarget.value) })} />
          {fieldError['order.ttlS'] && <span class="field-error">{fieldError['order.ttlS']}</span>}
        </label>
      </div>

      <PreviewPanel t={t} areas={areas} preview={preview} hasTargets={hasTargets(d)} withTexts={d.body.trim() !== ''} />
      {error !== null && <p class="error" role="alert" data-testid="compose-error">{explain(t, error)}</p>}
      {sent && <p class="ok" role="status" data-testid="compose-sent">{sent}</p>}
      <button type="submit" class="primary" data-testid="send" disabled={busy || !hasTargets(d) || !d.body.trim()}>{t('compose.send')}</button>

      {confirming && (
        <Dialog labelledBy="confirm-title" testId="confirm" onClose={() => setConfirming(false)}>
          <h3 id="confirm-title">{t('compose.confirm')}</h3>
          <p data-testid="confirm-reach">
            {preview ? t('compose.confirmText', { priority: t(`priority.${d.priority}`), people: preview.reach.people.toLocaleString(), towns: reachOf(areas, preview.reach).towns }) : t('compose.reachNone')}
          </p>
          <div class="row">
            <button type="button" data-testid="confirm-back" onClick={() => setConfirming(false)}>{t('compose.cancel')}</button>
            <button type="button" class="primary" data-testid="confirm-send" disabled={busy} onClick={() => void send()} autoFocus>{t('compose.ok')}</button>
          </div>
        </Dialog>
      )}
    </form>
  );
}
