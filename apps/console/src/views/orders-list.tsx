import { timeOf, type T } from '../i18n';
import type { OrderSummary } from '../model/types';

/** Orders within the token's areas, newest first; one click opens its board. */
export function OrdersList(props: { t: T; orders: OrderSummary[]; selected: string | null; onSelect: (id: string) => void }) {
  const { t } = props;
  if (!props.orders.length) return <p class="muted">{t('orders.none')}</p>;
  return (
    <ul class="orders" data-testid="orders">
      {props.orders.map((o) => (
        <li key={o.orderId}>
          <button type="button" data-testid={`order-${o.ref}`} aria-current={o.orderId === props.selected} class={o.orderId === props.selected ? 'current' : ''} onClick={() => props.onSelect(o.orderId)}>
            <span class={`prio prio-${o.priority}`}>{t(`priority.${o.priority}`)}</span> <b>{o.ref}</b> {o.summary ?? o.body.slice(0, 24)}
            <small>
              {timeOf(o.createdAt)} · {o.deliveryCount} · {o.cancelled ? t('status.cancelled') : t(`status.${o.status}`)}
            </small>
          </button>
        </li>
      ))}
    </ul>
  );
}
