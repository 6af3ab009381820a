import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api } from '../api/http';
import { LiveStream, type LiveState, type RouterFrame } from '../api/live';
import type { Lang, T } from '../i18n';
import { Areas } from '../model/areas';
import { EMPTY_DRAFT, type Draft } from '../model/draft';
import { RouterClock } from '../model/clock';
import { Throttle } from '../model/throttle';
import type { ChannelFrame, ChannelStateView, Directory, DirectoryRoles, Me, OrderSummary, OutageView, ReceiptFrame, RelayView } from '../model/types';
import { Composer } from './composer';
import { DrillsPanel } from './drills-panel';
import { Header } from './header';
import { OrderBoard } from './order-board';
import { OrdersList } from './orders-list';
import { SituationMap } from './situation-map';

type Tab = 'compose' | 'orders' | 'drills';

/**
 * The signed-in console: the live stream and the state every view shares (areas, channel states,
 * outages, relays, orders), the composer, the map and the open order's board.
 */
export function Console(props: { t: T; lang: Lang; onLang: () => void; token: string; me: Me; drillToken: string | null; onDrillToken: (t: string) => void; onSignOut: (why?: 'revoked') => void }) {
  const { t, me } = props;
  const api = useMemo(() => new Api(props.token, () => props.onSignOut('revoked')), [props.token]);
  const [drillToken, setDrillToken] = useState(props.drillToken);
  const drillApi = useMemo(() => (me.role === 'drill' || me.role === 'admin' ? api : drillToken ? new Api(drillToken) : null), [api, drillToken]);
  const canOrder = me.role === 'console' || me.role === 'admin';

  const [tab, setTab] = useState<Tab>(canOrder ? 'compose' : 'drills');
  const [live, setLive] = useState<LiveState>('connecting');
  const [areas, setAreas] = useState<Areas | null>(null);
  const [roles, setRoles] = useState<DirectoryRoles['roles']>([]);
  const [states, setStates] = useState<ChannelStateView[]>([]);
  const [outages, setOutages] = useState<OutageView[]>([]);
  const [relays, setRelays] = useState<RelayView[]>([]);
  const [orders, setOrders] = useState<OrderSummary[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [orderCounts, setOrderCounts] = useState<Map<string, Record<string, number>> | null>(null);
  const [tick, setTick] = useState(0);
  const [mapArea, setMapArea] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  // With an order open the map keeps most of the height; the board can take it for the table.
  const [boardLarge, setBoardLarge] = useState(false);
  const clock = useMemo(() => new RouterClock(), []);
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selected;

  const loadOrders = () => canOrder && api.get<OrderSummary[]>('/api/orders?status=all').then(setOrders).catch(() => {});
  const loadWorld = () => {
    api.get<ChannelStateView[]>('/api/channels').then(setStates).catch(() => {});
    api.get<OutageView[]>('/api/drills/outages').then(setOutages).catch(() => {});
    api.get<RelayView[]>('/api/drills/relays').then(setRelays).catch(() => {});
  };
  const loadOrderAreas = (id: string | null, tree: Areas | null) => {
    if (!id || !tree) return setOrderCounts(null);
    api.get<{ area: string; counts: Record<string, number> }[]>(`/api/orders/${id}/areas`).then((l) => setOrderCounts(tree.rollUp(l))).catch(() => setOrderCounts(null));
  };

  // Live frames refresh what they touch, at most once a second each.
  const throttles = useMemo(
    () => ({
      orders: new Throttle(() => void loadOrders(), 2_000),
      world: new Throttle(loadWorld, 1_000),
      board: new Throttle(() => setTick((n) => n + 1), 1_000),
    }),
    [api],
  );
  const areasRef = useRef<Areas | null>(null);
  areasRef.current = areas;

  useEffect(() => {
    api
      // The areas come with any page of people; the roles are counted over the whole directory.
      .get<Directory>('/api/directory?limit=1')
      .then((d) => setAreas(new Areas(d.areas)))
      .catch(() => {});
    api
      .get<DirectoryRoles>('/api/directory/roles')
      .then((r) => setRoles(r.roles))
      .catch(() => {});
    loadWorld();
    loadOrders();
    const stream = new LiveStream(props.token, onFrame, (s) => {
      setLive(s);
      // Revoked while signed in (4401): back to the sign-in form, saying why.
      if (s === 'revoked') return props.onSignOut('revoked');
      // Back after a drop: what the stream replays comes on top of a fresh load.
      if (s === 'open') (loadWorld(), loadOrders(), throttles.board.poke());
      // A revoked token is refused at the upgrade itself (no 4401 then): ask over HTTP, whose 401
      // signs the console out.
      if (s === 'reconnecting') void api.get('/api/me').catch(() => {});
    });
    stream.start();
    return () => (stream.stop(), Object.values(throttles).forEach((x) => x.cancel()));
  }, [api]);

  useEffect(() => loadOrderAreas(selected, areas), [selected, areas, tick]);

  function onFrame(f: RouterFrame) {
    if ('at' in f && typeof f.at === 'string') clock.saw(f.at);
    switch (f.type) {
      case 'receipt':
        if ((f as ReceiptFrame).orderId === selectedRef.current) throttles.board.poke();
        throttles.orders.poke();
        break;
      case 'order.accepted':
      case 'order.cancelled':
        throttles.orders.poke();
        break;
      case 'channel': {
        const c = f as ChannelFrame;
        setStates((list) => [...list.filter((s) => !(s.channel === c.channel && s.area === c.area)), { channel: c.channel, area: c.area, state: c.state, since: c.at }]);
        throttles.world.poke();
        break;
      }
      case 'relay.dispatched':
      case 'relay.arrived':
      case 'relay.left':
      case 'relay.request':
        throttles.world.poke();
        break;
    }
  }

  const selectable = (code: string) => me.areas === null || (areas !== null && me.areas.some((a) => areas.isWithin(code, a.code)));
  const channels = [...new Set(states.map((s) => s.channel))];
  const open = (id: string) => {
    setSelected(id);
    setTick((n) => n + 1);
  };

  return (
    <div class="console">
      <nav class="skips" aria-label="skip links">
        <a class="skip" href="#situation" data-testid="skip-map">{t('skip.map')}</a>
        {selected && <a class="skip" href="#board" data-testid="skip-board">{t('skip.board')}</a>}
      </nav>
      <Header t={t} me={me} live={live} lang={props.lang} onLang={props.onLang} onSignOut={() => props.onSignOut()} />
      <div class="layout">
        <nav class="side">
          <div class="tabs" role="tablist">
            {(canOrder ? (['compose', 'orders', 'drills'] as Tab[]) : (['drills'] as Tab[])).map((k) => (
              <button type="button" role="tab" key={k} aria-selected={tab === k} data-testid={`tab-${k}`} onClick={() => setTab(k)}>
                {t(`tab.${k}`)}
              </button>
            ))}
          </div>
          <div class="panel" role="tabpanel">
            {tab === 'compose' && areas && (
              <Composer t={t} api={api} areas={areas} roles={roles} selectable={selectable} draft={draft} setDraft={setDraft} onSent={(id) => (open(id), loadOrders())} />
            )}
            {tab === 'orders' && <OrdersList t={t} orders={orders} selected={selected} onSelect={open} />}
            {tab === 'drills' && areas && (
              <DrillsPanel
                t={t}
                drillApi={drillApi}
                onDrillToken={(tok) => (props.onDrillToken(tok), setDrillToken(tok))}
                areas={areas}
                area={mapArea}
                channels={channels}
                outages={outages}
                relays={relays}
                onChanged={loadWorld}
              />
            )}
          </div>
        </nav>
        <main class={selected ? `main with-board${boardLarge ? ' board-large' : ''}` : 'main'}>
          {areas && (
            <SituationMap
              t={t}
              areas={areas}
              states={states}
              outages={outages}
              relays={relays}
              now={() => clock.now()}
              orderCounts={selected ? orderCounts : null}
              asksAnswer={orders.find((o) => o.orderId === selected)?.ackRequired ?? true}
              selected={mapArea}
              onSelect={setMapArea}
              canAdd={(c) => canOrder && selectable(c)}
              onAddToOrder={(c) => (setDraft((d) => (d.areas.includes(c) ? d : { ...d, areas: [...d.areas, c] })), setTab('compose'))}
              circles={draft.circles}
              polygons={draft.polygons}
              orderTo={orders.find((o) => o.orderId === selected)?.to ?? null}
              onCircle={canOrder ? (c) => (setDraft((d) => ({ ...d, circles: [...d.circles, c] })), setTab('compose')) : undefined}
              onPolygon={canOrder ? (p) => (setDraft((d) => ({ ...d, polygons: [...d.polygons, p] })), setTab('compose')) : undefined}
            />
          )}
          {selected && areas && (
            <OrderBoard
              t={t}
              api={api}
              drillApi={drillApi}
              areas={areas}
              orderId={selected}
              channels={channels}
              tick={tick}
              onResent={(id) => (open(id), loadOrders())}
              onClose={() => setSelected(null)}
              large={boardLarge}
              onLarge={setBoardLarge}
            />
          )}
          {!selected && canOrder && <p class="muted board-none">{t('board.none')}</p>}
        </main>
      </div>
    </div>
  );
}
