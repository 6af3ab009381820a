import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api/http';
import { dateTimeOf, type T } from '../i18n';
import type { Areas } from '../model/areas';
import { newClientRef } from '../model/draft';
import { notAnswered, percent, rates, STATUSES } from '../model/statuses';
import type { DeliveryView, OrderDetail, Progress } from '../model/types';
import { explain } from './explain';
import { csvFilename, filterQuery, NO_FILTER, type TableFilter } from '../board/filters';
import { CapSource } from './cap-source';
import { PeopleTable } from './people-table';
import { ProgressChart } from './progress-chart';


const PROGRESS_EVERY_MS = 10_000;
/**
 * One order live: counts by status from the server, 叫应率 and reach rate with their chart, the
 * per-person table, cancel, send again to those who have not answered, CSV export.
 */
export function OrderBoard(props: {
  t: T;
  api: Api;
  /** With a drill token: a row can make its simulated person answer. */
  drillApi: Api | null;
  areas: Areas;
  orderId: string;
  channels: string[];
  tick: number;
  /** A resend was made: the board opens it. */
  onResent: (orderId: string) => void;
  onClose: () => void;
  /** Whether the board has most of the height (the table's), or the map has it. */
  large: boolean;
  onLarge: (large: boolean) => void;
}) {
  const { t, api, orderId } = props;
  const [order, setOrder] = useState<OrderDetail | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [filter, setFilter] = useState<TableFilter>(NO_FILTER);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => setFilter(NO_FILTER), [orderId]);
  useEffect(() => {
    let live = true;
    api
      .get<OrderDetail>(`/api/orders/${orderId}?limit=1`)
      .then((o) => live && (setOrder(o), setError(null)))
      .catch((e) => live && setError(e));
    return () => void (live = false);
  }, [orderId, props.tick]);
  // The chart folds the order's receipts on the router, which reads them all: at most every 10 s.
  const chartAt = useRef({ orderId: '', at: 0 });
  useEffect(() => {
    const now = Date.now();
    if (chartAt.current.orderId === orderId && now - chartAt.current.at < PROGRESS_EVERY_MS) return;
    chartAt.current = { orderId, at: now };
    let live = true;
    api.get<Progress>(`/api/orders/${orderId}/progress`).then((p) => live && setProgress(p)).catch(() => {});
    return () => void (live = false);
  }, [orderId, props.tick]);

  const act = async (f: () => Promise<void>) => {
    try {
      await f();
      setError(null);
    } catch (e) {
      setError(e);
    }
  };

  const cancel = () =>
    act(async () => {
      if (!confirm(t('board.cancelConfirm'))) return;
      const r = await api.post<{ cancelled: number }>(`/api/orders/${orderId}/cancel`);
      setNote(`${t('status.cancelled')}: ${r.cancelled}`);
    });

  const exportCsv = () =>
    act(async () => {
      const blob = await api.blob(`/api/orders/${orderId}/csv?${filterQuery(filter)}`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = csvFilename(order?.ref ?? '', orderId, filter);
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    });

  /**
   * Everyone who has not answered, as ONE new order the router makes (it picks them, however
   * many); the same text, priority and times. One clientRef per order until it is sent, so a
   * retry after a lost answer gets the same resend back.
   */
  const resendKey = useRef<{ orderId: string; key: string } | null>(null);
  const resend = () =>
    act(async () => {
      if (!order) return;
      if (!confirm(t('board.resendConfirm', { n: notAnswered(order.counts).toLocaleString() }))) return;
      if (resendKey.current?.orderId !== orderId) resendKey.current = { orderId, key: newClientRef() };
      const a = await api.post<{ orderId: string; ref: string; deliveries: number }>(`/api/orders/${orderId}/resend`, { clientRef: resendKey.current.key, people: 'notAnswered' });
      resendKey.current = null;
      setNote(t('compose.sent', { ref: a.ref, n: a.deliveries }));
      props.onResent(a.orderId);
    });

  const reply = (d: DeliveryView) =>
    act(async () => {
      await props.drillApi!.post(`/api/sim/people/${d.personId}/reply`, { orderId });
      setNote(`${d.name ?? d.personId}: ${t('table.reply')} ✓`);
    });

  if (!order) return <section class="board">{error !== null ? <p class="error" role="alert">{explain(t, error)}</p> : null}</section>;
  const r = rates(order.counts);
  return (
    <section class="board" id="board" tabIndex={-1} data-testid="board" aria-label={order.ref}>
      <header>
        <h2>
          <span class={`prio prio-${order.priority}`}>{t(`priority.${order.priority}`)}</span> <span data-testid="board-ref">{order.ref}</span> {order.summary ?? order.body.slice(0, 40)}
        </h2>
        <span class="muted">{dateTimeOf(order.createdAt)} · {t(`status.${order.status}`)}</span>
        <div class="actions">
          <button type="button" data-testid="resend" onClick={() => void resend()} disabled={!order.ackRequired || notAnswered(order.counts) === 0}>{t('board.resend')}</button>
          <button type="button" data-testid="csv" onClick={() => void exportCsv()}>{t('board.csv')}</button>
          <button type="button" data-testid="cancel" class="danger" onClick={() => void cancel()} disabled={order.status === 'closed'}>{t('board.cancel')}</button>
          <button type="button" data-testid="board-size" aria-pressed={props.large} onClick={() => props.onLarge(!props.large)}>{t(props.large ? 'board.smaller' : 'board.larger')}</button>
          <button type="button" onClick={props.onClose} aria-label={t('board.close')}>×</button>
        </div>
      </header>
      {error !== null && <p class="error" role="alert" data-testid="board-error">{explain(t, error)}</p>}
      {note && <p class="ok" role="status" data-testid="board-note">{note}</p>}
      {order.alert && <CapSource t={t} api={api} orderId={orderId} alert={order.alert} />}
      <div class="summary">
        <dl class="counts" data-testid="counts">
          <div>
            <dt>{t('board.total')}</dt>
            <dd data-testid="count-total">{order.deliveryCount}</dd>
          </div>
          {STATUSES.map((s) => (
            <div key={s} class={`st-${s}`}>
              <dt>{t(`status.${s}`)}</dt>
              <dd data-testid={`count-${s}`}>{order.counts[s] ?? 0}</dd>
            </div>
          ))}
        </dl>
        <dl class="rates">
          <div>
            <dt>{t('board.answerRate')}</dt>
            <dd data-testid="answer-rate">{order.ackRequired ? percent(r.answerRate) : '—'}</dd>
          </div>
          <div>
            <dt>{t('board.reachRate')}</dt>
            <dd data-testid="reach-rate">{percent(r.reachRate)}</dd>
          </div>
        </dl>
        <ProgressChart t={t} progress={progress} />
      </div>
      <PeopleTable
        t={t}
        api={api}
        areas={props.areas}
        orderId={orderId}
        channels={props.channels}
        filter={filter}
        setFilter={setFilter}
        tick={props.tick}
        onReply={props.drillApi ? reply : undefined}
      />
    </section>
  );
}
