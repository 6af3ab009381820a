import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api/http';
import { dateTimeOf, type T } from '../i18n';
import type { OrderDetail } from '../model/types';

/**
 * Where an order made from a CAP alert came from: the alert's sender, identifier and time, and
 * the order as CAP 1.2 (GET /api/orders/:id/cap, which carries the alert's info and area and
 * references it), folded until asked for.
 */
export function CapSource(props: { t: T; api: Api; orderId: string; alert: NonNullable<OrderDetail['alert']> }) {
  const { t, alert } = props;
  const [xml, setXml] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setXml(null);
    setFailed(false);
    props.api
      .blob(`/api/orders/${props.orderId}/cap`)
      .then((b) => b.text())
      .then((x) => live && setXml(x))
      .catch(() => live && setFailed(true));
    return () => void (live = false);
  }, [props.orderId]);
  return (
    <details class="cap-source" data-testid="cap-source">
      <summary>
        {t('cap.source')}: <b data-testid="cap-sender">{alert.sender}</b> · <span data-testid="cap-identifier">{alert.identifier}</span> · {alert.msgType} · {dateTimeOf(alert.sent)}
      </summary>
      {failed ? <p class="error">{t('cap.unavailable')}</p> : <pre data-testid="cap-xml">{xml ?? '…'}</pre>}
    </details>
  );
}
