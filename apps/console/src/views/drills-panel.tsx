import { useState } from 'preact/hooks';
import { GATEWAY_FAULTS, OUTAGE_KINDS } from '@lifeline/domain';
import type { Api } from '../api/http';
import { nameOf, timeOf, type T } from '../i18n';
import type { Areas } from '../model/areas';
import type { OutageView, RelayView } from '../model/types';
import { explain } from './explain';

/**
 * Drills (drill role): 三断 and gateway faults injected on the area picked on the map, ended at
 * will; relay missions under way. A console token without the drill role is asked for a drill
 * token, kept in this tab like the first.
 */
export function DrillsPanel(props: {
  t: T;
  drillApi: Api | null;
  onDrillToken: (token: string) => void;
  areas: Areas;
  area: string | null;
  channels: string[];
  outages: OutageView[];
  relays: RelayView[];
  onChanged: () => void;
}) {
  const { t, drillApi } = props;
  const [token, setToken] = useState('');
  const [kind, setKind] = useState<(typeof OUTAGE_KINDS)[number]>('network');
  const [channel, setChannel] = useState(props.channels[0] ?? '');
  const [mode, setMode] = useState<(typeof GATEWAY_FAULTS)[number]>('down');
  const [minutes, setMinutes] = useState('');
  const [error, setError] = useState<unknown>(null);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(null);
      props.onChanged();
    } catch (e) {
      setError(e);
    }
  };
  const inject = () =>
    act(() =>
      drillApi!.post('/api/drills/outages', {
        kind,
        ...(props.area ? { area: props.area } : {}),
        ...(kind === 'gateway' ? { channel, mode } : {}),
        ...(Number(minutes) > 0 ? { durationS: Math.round(Number(minutes) * 60) } : {}),
      }),
    );
  const active = props.outages.filter((o) => o.active !== false);

  return (
    <section class="drills" data-testid="drills">
      {!drillApi && (
        <form onSubmit={(e) => (e.preventDefault(), token.trim() && props.onDrillToken(token.trim()))}>
          <p class="hint">{t('drills.tokenHint')}</p>
          <label>
            {t('drills.token')}
            <input type="password" data-testid="drill-token" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          </label>
          <button type="submit" data-testid="drill-token-use">{t('drills.use')}</button>
        </form>
      )}
      {drillApi && (
        <form class="inject" onSubmit={(e) => (e.preventDefault(), void inject())}>
          <p data-testid="drill-area">{props.area ? props.areas.lineage(props.area).reverse().map((c) => props.areas.name(c)).join(' / ') : t('drills.area')}</p>
          <div class="row">
            <label>
              {t('drills.kind')}
              <select data-testid="drill-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
                {OUTAGE_KINDS.map((k) => <option key={k} value={k}>{t(`kind.${k}`)}</option>)}
              </select>
            </label>
            {kind === 'gateway' && (
              <>
                <label>
                  {t('drills.channel')}
                  <select data-testid="drill-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
                    {props.channels.map((c) => <option key={c} value={c}>{nameOf(t, 'channel', c)}</option>)}
                  </select>
                </label>
                <label>
                  {t('drills.mode')}
                  <select data-testid="drill-mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as typeof mode)}>
                    {GATEWAY_FAULTS.map((m) => <option key={m} value={m}>{t(`mode.${m}`)}</option>)}
                  </select>
                </label>
              </>
            )}
          </div>
          <label>
            {t('drills.duration')}
            <input type="number" min={1} value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
          </label>
          <button type="submit" class="danger" data-testid="drill-inject">{t('drills.inject')}</button>
        </form>
      )}
      {error !== null && <p class="error" role="alert" data-testid="drill-error">{explain(t, error)}</p>}
      <h3>{t('drills.active')}</h3>
      {active.length === 0 ? (
        <p class="muted">{t('drills.none')}</p>
      ) : (
        <ul data-testid="outages">
          {active.map((o) => (
            <li key={o.outageId}>
              {t(`kind.${o.kind as 'network'}`)} {o.mode ? `(${nameOf(t, 'channel', o.channel ?? '')} ${t(`mode.${o.mode as 'down'}`)})` : ''} · {o.area ? props.areas.name(o.area) : '—'}
              {drillApi && (
                <button type="button" class="small" data-testid={`end-${o.outageId}`} onClick={() => void act(() => drillApi.del(`/api/drills/outages/${o.outageId}`))}>
                  {t('drills.end')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <h3>{t('drills.relays')}</h3>
      {props.relays.length === 0 ? (
        <p class="muted">{t('drills.noRelays')}</p>
      ) : (
        <ul data-testid="relays">
          {props.relays.map((r) => (
            <li key={r.resource}>
              {r.resource} → {props.areas.name(r.area)} · {t(`relay.${r.state as 'en-route'}`)} ·{' '}
              {r.state === 'on-station' ? r.leaveAt && timeOf(r.leaveAt) : r.arriveAt && timeOf(r.arriveAt)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
