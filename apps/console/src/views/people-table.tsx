import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api/http';
import { nameOf, timeOf, type T } from '../i18n';
import type { Areas } from '../model/areas';
import { STATUSES } from '../model/statuses';
import { filterQuery, type TableFilter } from '../board/filters';
import type { DeliveryView, OrderDetail } from '../model/types';
import { explain } from './explain';

const PAGE = 100;

/**
 * Who got the order, a server-side page at a time (a 100,000-person order is never loaded
 * whole), filterable; a row opens the person's every attempt (escalation timeline).
 */
export function PeopleTable(props: {
  t: T;
  api: Api;
  areas: Areas;
  orderId: string;
  channels: string[];
  filter: TableFilter;
  setFilter: (f: TableFilter) => void;
  /** Bumped on live receipts of this order: the page is loaded again. */
  tick: number;
  onReply?: (d: DeliveryView) => void;
}) {
  const { t, filter: f } = props;
  const [cursor, setCursor] = useState<string[]>(['']);
  const [page, setPage] = useState<{ rows: DeliveryView[]; next: string | null } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const after = cursor[cursor.length - 1];
  const filterKey = filterQuery(f);

  useEffect(() => setCursor(['']), [props.orderId, filterKey]);
  useEffect(() => {
    let live = true;
    props.api
      .get<OrderDetail>(`/api/orders/${props.orderId}?limit=${PAGE}&after=${encodeURIComponent(after)}&${filterKey}`)
      .then((o) => live && (setPage({ rows: o.deliveries, next: o.next }), setError(null)))
      .catch((e) => live && setError(e));
    return () => void (live = false);
  }, [props.orderId, filterKey, after, props.tick]);

  const set = (patch: Partial<TableFilter>) => props.setFilter({ ...f, ...patch });
  const towns = props.areas.atDepth(2);
  return (
    <section class="people">
      <div class="filters" role="group">
        <select aria-label={t('table.status')} data-testid="filter-status" value={f.status} onChange={(e) => set({ status: e.currentTarget.value })}>
          <option value="">{t('filter.all')}</option>
          <option value="notReached">{t('filter.notReached')}</option>
          <option value="notAnswered">{t('filter.notAnswered')}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
        </select>
        <select aria-label={t('filter.channel')} data-testid="filter-channel" value={f.channel} onChange={(e) => set({ channel: e.currentTarget.value })}>
          <option value="">{t('filter.channel')}: {t('filter.all')}</option>
          {props.channels.map((c) => <option key={c} value={c}>{nameOf(t, 'channel', c)}</option>)}
        </select>
        <select aria-label={t('filter.area')} data-testid="filter-area" value={f.area} onChange={(e) => set({ area: e.currentTarget.value })}>
          <option value="">{t('filter.area')}: {t('filter.all')}</option>
          {towns.map((a) => (
            <optgroup key={a.code} label={`${props.areas.name(a.parent ?? '')} ${a.name}`}>
              <option value={a.code}>{a.name}: {t('filter.all')}</option>
              {props.areas.children(a.code).map((v) => <option key={v.code} value={v.code}>{v.name}</option>)}
            </optgroup>
          ))}
        </select>
        <input type="search" aria-label={t('filter.name')} placeholder={t('filter.name')} data-testid="filter-name" value={f.q} onInput={(e) => set({ q: e.currentTarget.value })} />
      </div>
      {error !== null && <p class="error" role="alert">{explain(t, error)}</p>}
      <table class="rows" data-testid="people-table">
        <thead>
          <tr>
            <th>{t('table.name')}</th>
            <th>{t('table.area')}</th>
            <th>{t('table.status')}</th>
            <th>{t('table.channel')}</th>
            <th>{t('table.matched')}</th>
            <th>{t('table.detail')}</th>
            {props.onReply && <th />}
          </tr>
        </thead>
        <tbody>
          {page?.rows.length === 0 && (
            <tr>
              <td colSpan={7}>{t('table.empty')}</td>
            </tr>
          )}
          {page?.rows.map((d) => {
            const last = d.attempts[d.attempts.length - 1];
            return [
              <tr key={d.deliveryId} data-testid="person-row" data-person={d.personId} data-area={d.area} data-status={d.status} data-channel={d.channel ?? ''} class={`st-${d.status}`}>
                <td>
                  <button type="button" class="link" aria-expanded={open === d.deliveryId} onClick={() => setOpen(open === d.deliveryId ? null : d.deliveryId)}>
                    {d.name ?? d.personId}
                  </button>
                </td>
                <td>{d.areaName ?? d.area}</td>
                <td><span class={`badge st-${d.status}`}>{t(`status.${d.status}`)}</span></td>
                <td>{d.channel ? nameOf(t, 'channel', d.channel) : '—'}</td>
                <td>{d.matchedBy ? t(`matched.${d.matchedBy}`) : '—'}</td>
                <td class="detail">{last?.detail ?? ''}</td>
                {props.onReply && (
                  <td>
                    <button type="button" class="small" data-testid={`reply-${d.personId}`} onClick={() => props.onReply!(d)}>{t('table.reply')}</button>
                  </td>
                )}
              </tr>,
              open === d.deliveryId && (
                <tr key={`${d.deliveryId}-t`} class="timeline">
                  <td colSpan={7}>
                    <ol data-testid="timeline">
                      {d.attempts.map((a) => (
                        <li key={`${a.attempt}-${a.status}`}>
                          <time>{timeOf(a.at)}</time> #{a.attempt} {nameOf(t, 'channel', a.channel)} · {t(`status.${a.status as 'sent'}`)} {a.detail && <>· {a.detail}</>}
                        </li>
                      ))}
                    </ol>
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
      <div class="pager">
        <button type="button" disabled={cursor.length === 1} onClick={() => setCursor([''])}>{t('table.first')}</button>
        <button type="button" data-testid="next-page" disabled={!page?.next} onClick={() => page?.next && setCursor([...cursor, page.next])}>{t('table.more')}</button>
      </div>
    </section>
  );
}
