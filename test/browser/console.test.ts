import { readFileSync } from 'node:fs';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import type { AreaGeometry, LonLat } from '@lifeline/domain';
import { fitProjection } from '../../apps/console/src/map/projection';
import { launchChromium } from '../support/browser';
import { testServer, TOKENS, type TestServer } from '../support/server';

/**
 * The browser console against the real router (virtual time), in Debian's headless Chromium:
 * what a dispatcher does, click by click. Nobody answers on their own here (reply probability
 * 0), so every answer the test sees is one it made.
 */

const SHOTS = process.env.CONSOLE_SHOTS; // a folder: also writes the README's screenshots
const VIEWPORT = { width: 1366, height: 768 };
const COUNTY = '330102'; // 滨江县
const VILLAGE = '330102001001'; // 东岙村, in 滨江县

describe('browser console (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    s = await testServer({ tweak: (c) => c.channels.forEach((ch) => (ch.simulator.replyProbability = 0)) });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  async function signIn(token: string, before?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
    await before?.(page);
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(s.url);
    await page.getByTestId('signin-token').fill(token);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('map').waitFor();
    await page.locator('[data-testid=live]:has-text("已连接")').waitFor();
    return page;
  }

  const text = async (page: Page, id: string) => (await page.getByTestId(id).textContent()) ?? '';
  /** Moves virtual time on and waits until the page shows what the test expects. */
  async function until(page: Page, check: () => Promise<boolean>, stepMs = 5_000, max = 40): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await check()) return;
      await s.advance(stepMs);
      await page.waitForTimeout(300); // the console's refresh is throttled to once a second of real time
    }
    throw new Error('the page never showed it');
  }

  it('refuses a bad token in words, then signs in and shows role and scope', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(s.url);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/sign-in.png` });
    await page.getByTestId('signin-token').fill('not-a-token');
    await page.getByTestId('signin-submit').click();
    expect(await page.getByTestId('signin-error').textContent()).toContain('令牌无效或已被吊销');
    await page.getByTestId('signin-token').fill(TOKENS.console);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('map').waitFor();
    expect(await text(page, 'who')).toContain('调度');
    expect(await text(page, 'scope')).toBe('全部区域');
    // The token is the tab's: a reload signs in again, a new tab does not know it.
    await page.reload();
    await page.getByTestId('map').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('lifeline.token')")).toBe(TOKENS.console);
    expect(await page.evaluate("localStorage.getItem('lifeline.token')")).toBeNull();
    await page.getByTestId('lang').click();
    expect(await text(page, 'scope')).toBe('every area');
    await page.getByTestId('lang').click();
    await page.close();
  });

  it('sends an order to an area with a preview of its reach, and counts it to delivered; a simulated answer moves 叫应率 and the map; past the answer time the rest count unanswered; send again makes one new order', async () => {
    const page = await signIn(TOKENS.console);
    await page.getByTestId('tpl-typhoon').click(); // village heads, answer within 5 minutes
    // Roles and channels by the names dispatchers use, not the directory's codes.
    expect(await page.locator('.roles label:has([data-testid=role-village-head])').textContent()).toContain('村干部');
    expect(await page.locator('.roles label:has([data-testid=role-grid-worker])').textContent()).toContain('网格员');
    await page.locator('details summary').first().click();
    await page.getByTestId(`area-${COUNTY}`).check();
    await page.locator('[data-testid=reach]:has-text("将送达 24 人")').waitFor();
    expect(await text(page, 'reach')).toContain('分布在 4 个镇');
    expect(await text(page, 'preview-pdt')).toContain('台风今晚登陆，立即转移沿海群众 回复1确认');
    expect(await page.locator('[data-testid=preview-pdt] th').textContent()).toBe('370MHz');
    expect(await page.locator('[data-testid=preview-beidou] th').textContent()).toBe('北斗');
    await page.getByTestId('send').click();
    expect(await text(page, 'confirm-reach')).toContain('24 人');
    await page.getByTestId('confirm-send').click();
    await page.getByTestId('board').waitFor();
    expect(await text(page, 'count-total')).toBe('24');
    await until(page, async () => (await text(page, 'count-delivered')) === '24');
    expect(await text(page, 'answer-rate')).toBe('0%');
    expect(await text(page, 'reach-rate')).toBe('100%');

    // Answers come from the drill desk: the drills panel takes a drill token for this tab.
    await page.getByTestId('tab-drills').click();
    await page.getByTestId('drill-token').fill(TOKENS.drill);
    await page.getByTestId('drill-token-use').click();
    await page.getByTestId('drill-inject').waitFor();
    const row = page.getByTestId('person-row').first();
    const person = await row.getAttribute('data-person');
    const village = page.getByTestId(`map-area-${await row.getAttribute('data-area')}`);
    const unanswered = await village.getAttribute('fill');
    await page.getByTestId(`reply-${person}`).click();
    await until(page, async () => (await text(page, 'count-acknowledged')) === '1');
    expect(await text(page, 'answer-rate')).toBe('4.2%');
    // The village of the one who answered is shaded by its answer rate (its village heads: one of few).
    await until(page, async () => (await village.getAttribute('fill')) !== unanswered, 0, 10);
    await page.locator(`[data-testid=person-row][data-person="${person}"][data-status=acknowledged]`).waitFor();
    // Its escalation timeline: every attempt, with the answer last.
    await page.locator(`[data-testid=person-row][data-person="${person}"] button.link`).click();
    expect(await text(page, 'timeline')).toContain('公网');

    // Past the answer time (5 minutes on the router's clock) the others are asked again on their
    // next channel (escalation), and once the order's hour is over they count unanswered and the
    // 叫应率 is final.
    await until(page, async () => (await text(page, 'count-unanswered')) === '23', 300_000, 20);
    expect(await text(page, 'count-delivered')).toBe('0');
    expect(await text(page, 'count-acknowledged')).toBe('1');
    expect(await text(page, 'answer-rate')).toBe('4.2%');
    expect(await text(page, 'board')).toContain('已结束');

    // The CSV holds every delivery, the answer among them.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('personId,name,area,areaName,status,channel,matchedBy,attempts,lastAt,detail');
    expect(lines).toHaveLength(25);
    expect(lines.filter((l) => l.includes(',acknowledged,'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes(',unanswered,'))).toHaveLength(23);
    expect(lines.find((l) => l.startsWith(`${person},`))).toContain('acknowledged');

    // Not answered: the filter shows the other 23; "send again" fills the composer with them.
    await page.getByTestId('filter-status').selectOption('notAnswered');
    // (A locator, not waitForFunction with a string: the page's CSP forbids eval, which that polls with.)
    await page.locator('[data-testid=person-row]').nth(23).waitFor({ state: 'detached' });
    await page.locator('[data-testid=person-row]').nth(22).waitFor();
    expect(await page.getByTestId('person-row').count()).toBe(23);
    expect(await page.locator('[data-testid=person-row][data-status=acknowledged]').count()).toBe(0);
    // Send again: ONE new order the router makes of the 23, opened on the board.
    const firstRef = await text(page, 'board-ref');
    page.once('dialog', (d) => (expect(d.message()).toContain('23 名未回复者'), void d.accept()));
    await page.getByTestId('resend').click();
    await page.locator(`[data-testid=board-ref]:not(:has-text("${firstRef}"))`).waitFor();
    await page.locator('[data-testid=count-total]:has-text("23")').waitFor();
    expect(await text(page, 'board-note')).toContain('23 人');
    await until(page, async () => (await text(page, 'count-delivered')) === '23');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/board.png` });
    await page.close();
  });

  it('runs an outage drill on the map: the area shows the channel down, a gateway fault takes 370MHz away too, orders fall back to another channel, and cancel ends all that was open', async () => {
    const page = await signIn(TOKENS.admin); // admin: console and drills with one token
    await page.getByTestId(`map-area-${VILLAGE}`).click();
    await page.getByTestId('tab-drills').click();
    expect(await text(page, 'drill-area')).toContain('东岙村');
    await page.getByTestId('drill-kind').selectOption('network');
    await page.getByTestId('drill-inject').click();
    await page.getByTestId(`map-outage-${VILLAGE}`).waitFor();
    await page.getByTestId(`map-down-${VILLAGE}`).waitFor();
    expect(await text(page, 'detail-public')).toContain('中断');
    expect(await text(page, 'detail-public')).toContain('公网');
    expect(await page.getByTestId('outages').textContent()).toContain('断网');
    // A gateway fault beside it: the 370MHz radio gateway goes down.
    await page.getByTestId('drill-kind').selectOption('gateway');
    await page.getByTestId('drill-channel').selectOption('pdt');
    await page.getByTestId('drill-mode').selectOption('down');
    await page.getByTestId('drill-inject').click();
    await page.locator('[data-testid=outages]:has-text("网关故障 (370MHz 宕机)")').waitFor();
    await until(page, async () => (await text(page, 'detail-pdt')).includes('中断'), 1_000, 20);
    await page.getByTestId('map-channel').selectOption('pdt');
    await page.getByTestId(`map-down-${VILLAGE}`).waitFor();
    await page.getByTestId('map-channel').selectOption('public');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/map-outage.png` });

    // An order to the village now goes out by satellite, not the public network nor the radio.
    await page.getByTestId('map-add').click();
    await page.getByTestId('body').fill('山洪预警：请立即组织东岙村低洼地带群众向村委会高地转移。');
    await page.getByTestId('summary').fill('山洪：立即转移');
    await page.getByTestId('send').click();
    await page.getByTestId('confirm-send').click();
    await page.getByTestId('board').waitFor();
    await until(page, async () => (await page.locator('[data-testid=person-row][data-channel]:not([data-channel=""]):not([data-channel=public])').count()) > 0);
    for (const gone of ['public', 'pdt']) expect(await page.locator(`[data-testid=person-row][data-channel=${gone}][data-status=sent]`).count()).toBe(0);
    expect(await page.locator('[data-testid=person-row][data-channel=tiantong], [data-testid=person-row][data-channel=beidou]').count()).toBeGreaterThan(0);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/fallback.png` });

    // Cancel: everything still open ends cancelled, and nothing is left on its way.
    const ref = await text(page, 'board-ref');
    const admin = { Authorization: `Bearer ${TOKENS.admin}` };
    const { orderId } = ((await (await fetch(`${s.url}/api/orders`, { headers: admin })).json()) as { orderId: string; ref: string }[]).find((o) => o.ref === ref)!;
    const counts = async () => ((await (await fetch(`${s.url}/api/orders/${orderId}?limit=1`, { headers: admin })).json()) as { counts: Record<string, number> }).counts;
    const before = await counts();
    const open = ['queued', 'sending', 'sent', 'delivered'].reduce((n, k) => n + (before[k] ?? 0), 0);
    expect(open).toBeGreaterThan(0);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('cancel').click();
    await page.locator(`[data-testid=board-note]:has-text("已撤销: ${open}")`).waitFor();
    await until(page, async () => (await text(page, 'count-cancelled')) === String(open), 0, 10);
    for (const st of ['queued', 'sending', 'sent', 'delivered']) expect(await text(page, `count-${st}`)).toBe('0');
    expect(await text(page, 'board')).toContain('已结束');
    expect((await counts()).cancelled).toBe(open);
    // The drill ends from the list.
    await page.getByTestId('tab-drills').click();
    while ((await page.locator('[data-testid^=end-]').count()) > 0) {
      const n = await page.locator('[data-testid^=end-]').count();
      await page.locator('[data-testid^=end-]').first().click();
      await page.locator('[data-testid^=end-]').nth(n - 1).waitFor({ state: 'detached' });
    }
    await page.getByTestId(`map-outage-${VILLAGE}`).waitFor({ state: 'detached' });
    expect(await page.getByTestId(`map-area-${VILLAGE}`).isVisible()).toBe(true);
    await page.close();
  });

  it('after a dropped connection resubscribes since the last event it saw: nothing missed, nothing twice', async () => {
    const routes: { page: WebSocketRoute; server: WebSocketRoute; dropped: boolean }[] = [];
    const subscribes: { since?: number }[] = [];
    const seqs: number[] = [];
    const sent = await fetch(`${s.url}/api/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRef: 'browser-drop', order: { priority: 'immediate', to: { areas: ['330103'], roles: ['village-head'] }, body: '青山县：请立即检查水库大坝。', ackRequired: false, ttlS: 3600 } }),
    });
    const { ref, deliveries } = (await sent.json()) as { ref: string; deliveries: number };
    const page = await signIn(TOKENS.admin, (p) =>
      p.routeWebSocket(/\/ws/, (ws) => {
        const server = ws.connectToServer();
        const route = { page: ws, server, dropped: false };
        routes.push(route);
        ws.onMessage((m) => {
          const f = JSON.parse(String(m)) as { type: string; since?: number };
          if (f.type === 'subscribe') subscribes.push(f);
          server.send(m);
        });
        server.onMessage((m) => {
          const f = JSON.parse(String(m)) as { seq?: number };
          if (route.dropped) return; // what the router sends after the drop never reaches the page
          if (typeof f.seq === 'number') seqs.push(f.seq);
          ws.send(m);
        });
      }),
    );
    await page.getByTestId('tab-orders').click();
    await page.getByTestId(`order-${ref}`).click();
    await page.getByTestId('board').waitFor();
    const seen = () => Math.max(0, ...seqs);
    await until(page, async () => seqs.length > 0, 500); // the order's first receipts reach the page live
    const before = seen();

    // The link drops; receipts go on being made while the console is away.
    routes[0].dropped = true;
    await routes[0].page.close({ code: 4000, reason: 'dropped by the test' });
    await routes[0].server.close();
    await page.locator('[data-testid=live]:has-text("重连中")').waitFor();
    await s.advance(30_000);
    await page.locator('[data-testid=live]:has-text("已连接")').waitFor();
    expect(subscribes).toHaveLength(2);
    expect(subscribes[0].since).toBeUndefined();
    expect(subscribes[1].since).toBeGreaterThanOrEqual(before);
    await until(page, async () => (await text(page, 'count-delivered')) === String(deliveries));
    expect(seen()).toBeGreaterThan(subscribes[1].since!); // receipts made during the drop came in the replay
    // Every event the router streamed, once, with no hole across the drop.
    expect(new Set(seqs).size).toBe(seqs.length);
    const sorted = [...seqs].sort((a, b) => a - b);
    expect(sorted[sorted.length - 1] - sorted[0] + 1).toBe(sorted.length);
    await page.close();
  });

  it('with the county token nothing of other counties shows, and an order outside its scope is refused in words', async () => {
    // An order of another county, sent by the city desk: not the county's business.
    const other = await fetch(`${s.url}/api/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.console}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRef: 'browser-other', order: { priority: 'routine', to: { areas: ['330103'] }, body: '青山县通知', ttlS: 600 } }),
    });
    const { ref } = (await other.json()) as { ref: string };
    const page = await signIn(TOKENS.county);
    expect(await text(page, 'scope')).toBe('滨江县');
    expect(await page.locator('[data-testid^=map-area-330103]').count()).toBe(0);
    expect(await page.locator('[data-testid^=map-area-330101]').count()).toBe(0);
    expect(await page.locator(`[data-testid^=map-area-${COUNTY}]`).count()).toBeGreaterThan(0);
    await page.getByTestId('tab-orders').click();
    expect(await page.locator(`[data-testid=order-${ref}]`).count()).toBe(0);

    // A client that forges a target outside the scope gets the router's refusal, in words.
    await page.getByTestId('tab-compose').click();
    await page.route('**/api/orders', (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as { order: { to: Record<string, unknown> } };
      body.order.to = { areas: ['330103'] };
      return route.continue({ postData: JSON.stringify(body) });
    });
    await page.getByTestId(`map-area-${VILLAGE}`).click();
    await page.getByTestId('map-add').click();
    // The reach is previewed as soon as there is a target, before any text is written.
    await page.locator('[data-testid=reach]:has-text("将送达")').waitFor();
    expect(await page.getByTestId('preview-pdt').count()).toBe(0);
    await page.getByTestId('body').fill('请立即转移。');
    await page.getByTestId('send').click();
    await page.getByTestId('confirm-send').click();
    expect(await page.getByTestId('compose-error').textContent()).toContain('只能对其负责的区域下达指令');
    await page.close();
  });

  it('targets a circle drawn on the map (电子围栏), with its reach previewed', async () => {
    const page = await signIn(TOKENS.console);
    await page.getByTestId('map-draw-circle').click();
    const box = (await page.getByTestId(`map-area-${VILLAGE}`).boundingBox())!;
    await page.getByTestId('map-draw-layer').waitFor();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.getByTestId('circle-0').waitFor();
    await page.getByTestId('map-circle-0').waitFor();
    await page.getByTestId('circle-radius-0').fill('1.5');
    await page.locator('[data-testid=reach]:has-text("将送达")').waitFor();
    expect(await text(page, 'reach')).toMatch(/将送达 [1-9]\d* 人，分布在 1 个镇/);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/circle.png` });
    await page.close();
  });

  it('targets a polygon drawn on the map corner by corner (电子围栏), with its reach previewed, and sends it as one', async () => {
    const page = await signIn(TOKENS.console);
    let sent: any = null;
    await page.route('**/api/orders', async (route) => {
      sent = JSON.parse(route.request().postData() ?? 'null');
      await route.continue();
    });
    await page.getByTestId('map-draw-polygon').click();
    const box = (await page.getByTestId(`map-area-${VILLAGE}`).boundingBox())!;
    await page.getByTestId('map-draw-layer').waitFor();
    // Three corners around the village's middle; 完成 waits for the third.
    const [x, y, w, h] = [box.x, box.y, box.width, box.height];
    await page.mouse.click(x + w * 0.2, y + h * 0.2);
    await page.mouse.click(x + w * 0.8, y + h * 0.2);
    expect(await page.getByTestId('map-draw-finish').isDisabled()).toBe(true);
    await page.mouse.click(x + w * 0.5, y + h * 0.9);
    // Keys typed in the composer meanwhile are the composer's: a Backspace there takes no corner.
    await page.getByTestId('body').click();
    await page.keyboard.type('山洪x');
    await page.keyboard.press('Backspace');
    expect(await page.getByTestId('body').inputValue()).toBe('山洪');
    await page.getByTestId('map-draw-finish').click();
    await page.getByTestId('polygon-0').waitFor();
    await page.getByTestId('map-polygon-0').waitFor();
    expect(await text(page, 'polygon-0')).toContain('3 个顶点');
    await page.locator('[data-testid=reach]:has-text("将送达")').waitFor();
    expect(await text(page, 'reach')).toMatch(/将送达 [1-9]\d* 人，分布在 1 个镇/);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/polygon.png` });
    await page.getByTestId('body').fill('山洪预警：围栏内群众请立即转移。');
    await page.getByTestId('send').click();
    await page.getByTestId('confirm-send').click();
    await page.locator('[data-testid=compose-sent]').waitFor();
    const ring = sent.order.to.polygons[0].coordinates[0];
    expect([ring.length, ring[0]]).toEqual([4, ring[3]]);
    await page.close();
  });

  it('shows a relay drone on the map on its way with its arrival, then on station with its time left', async () => {
    // 三断 in a town: nothing on the ground reaches it, so the router sends the drone.
    const TOWN = '330102001'; // 沙头镇
    const drill = { Authorization: `Bearer ${TOKENS.drill}`, 'content-type': 'application/json' };
    const outages: string[] = [];
    for (const kind of ['power', 'network', 'road']) {
      const r = await fetch(`${s.url}/api/drills/outages`, { method: 'POST', headers: drill, body: JSON.stringify({ kind, area: TOWN }) });
      outages.push(((await r.json()) as { outageId: string }).outageId);
    }
    const page = await signIn(TOKENS.console);
    await fetch(`${s.url}/api/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.console}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRef: 'browser-relay', order: { priority: 'flash', to: { areas: [TOWN] }, body: '沙头镇：请立即组织转移。', ackRequired: true, ackWithinS: 600, ttlS: 36_000 } }),
    });
    const drone = page.getByTestId('map-relay-wing-loong-1');
    await until(page, async () => (await drone.count()) > 0, 60_000, 20);
    expect(await drone.textContent()).toMatch(/wing-loong-1 飞往此处，预计 \d{1,2}:\d\d:\d\d 到达/);
    await until(page, async () => ((await drone.textContent()) ?? '').includes('在位'), 600_000, 20);
    // On station for 5 hours (config relays.resources: onStationS 18000), counted on the router's
    // clock: with that clock held still, the page comes to show the minutes left until the
    // mission's end, however far the clock ran before the page first said 在位.
    const missions = (await (await fetch(`${s.url}/api/drills/relays`, { headers: drill })).json()) as { resource: string; leaveAt: string }[];
    const leaveAt = Date.parse(missions.find((m) => m.resource === 'wing-loong-1')?.leaveAt ?? '');
    const minutesLeft = (leaveAt - s.clock.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(0);
    expect(minutesLeft).toBeLessThanOrEqual(300);
    const shown = async () => Number(/还剩 (\d+) 分钟/.exec((await drone.textContent()) ?? '')?.[1]);
    await until(page, async () => Math.abs((await shown()) - minutesLeft) <= 1, 0, 20);
    await page.close();
    for (const id of outages) await fetch(`${s.url}/api/drills/outages/${id}`, { method: 'DELETE', headers: drill });
  });

  it("shows the CAP alert an order came from, and draws the order's fence on the map", async () => {
    const xml = readFileSync('docs/examples/cap-flood-alert.xml', 'utf8').replace('LH-FLOOD-2026-0701-01', 'LH-FLOOD-BROWSER-1');
    const r = await fetch(`${s.url}/api/cap`, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.console}`, 'content-type': 'application/cap+xml' }, body: xml });
    expect(r.status).toBe(202);
    const made = ((await r.json()) as { orders: { orderId: string; ref: string }[] }).orders[0];
    const page = await signIn(TOKENS.console);
    await page.getByTestId('tab-orders').click();
    await page.getByTestId(`order-${made.ref}`).click();
    await page.getByTestId('board').waitFor();
    expect(await text(page, 'cap-sender')).toBe('hydrology@linhai.example.gov.cn');
    expect(await text(page, 'cap-identifier')).toBe('LH-FLOOD-BROWSER-1');
    await page.locator('[data-testid=cap-source] summary').click();
    await page.locator('[data-testid=cap-xml]:has-text("urn:oasis:names:tc:emergency:cap:1.2")').waitFor();
    expect(await text(page, 'cap-xml')).toContain('LH-FLOOD-BROWSER-1'); // it references the alert
    // The alert's polygon (CAP: latitude first) is the order's fence, drawn where its corners are:
    // projected as the map projects the demo city, over the south-west of 滨江县.
    const fence = (await page.getByTestId('map-order-polygon-0').boundingBox())!;
    const map = (await page.getByTestId('map').boundingBox())!;
    const [, , viewWidth, viewHeight] = (await page.getByTestId('map').getAttribute('viewBox'))!.split(' ').map(Number);
    const demo = parseYaml(readFileSync('config/directory.yaml', 'utf8')) as { areas: { geometry: AreaGeometry }[] };
    const proj = fitProjection(demo.areas.map((a) => a.geometry), viewWidth);
    // The drawing keeps its aspect, centred in the SVG's box (preserveAspectRatio's default).
    const scale = Math.min(map.width / viewWidth, map.height / viewHeight);
    const [left, top] = [map.x + (map.width - viewWidth * scale) / 2, map.y + (map.height - viewHeight * scale) / 2];
    const onPage = (p: LonLat) => proj.point(p).map((v, i) => (i ? top : left) + v * scale);
    const [[west, south], [east, north]] = [onPage([120.7, 28.5]), onPage([120.95, 28.75])];
    // Its box on the page holds the stroke too: compare the middle, and the size within a stroke.
    expect(Math.abs(fence.x + fence.width / 2 - (west + east) / 2)).toBeLessThan(2);
    expect(Math.abs(fence.y + fence.height / 2 - (south + north) / 2)).toBeLessThan(2);
    expect(Math.abs(fence.width - (east - west))).toBeLessThan(10);
    expect(Math.abs(fence.height - (south - north))).toBeLessThan(10);
    const village = (await page.getByTestId(`map-area-${VILLAGE}`).boundingBox())!; // 东岙村, at the city's south-west corner
    expect(fence.x < village.x + village.width && fence.y + fence.height > village.y).toBe(true);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/cap.png` });
    // Closing the board takes the fence away with the order.
    await page.getByRole('button', { name: '关闭' }).click();
    await page.getByTestId('map-order-polygon-0').waitFor({ state: 'detached' });
    await page.close();
  });

  it('is usable by keyboard alone: signs in, picks a village on the map, composes, confirms (Esc backs out, Tab stays in the dialog) and opens the board', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => {
      throw e;
    });
    const focused = async () => String(await page.evaluate("document.activeElement?.getAttribute('data-testid') ?? ''"));
    /** Tab (or Shift+Tab) until the element with this test id has the focus. */
    async function tabTo(id: string, back = false, max = 120): Promise<number> {
      for (let i = 0; i < max; i++) {
        if ((await focused()) === id) return i;
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      }
      throw new Error(`Tab never reached ${id}`);
    }
    await page.goto(s.url);
    await tabTo('signin-token');
    await page.keyboard.type(TOKENS.console);
    await page.keyboard.press('Enter');
    await page.getByTestId('map').waitFor();
    await page.locator('[data-testid=live]:has-text("已连接")').waitFor();

    // The skip link leads to the map; the villages are ONE tab stop, arrow keys move among them.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('skip-map');
    await page.keyboard.press('Enter');
    const village = await (async () => {
      for (let i = 0; i < 20; i++) {
        const id = await focused();
        if (id.startsWith('map-area-')) return id;
        await page.keyboard.press('Tab');
      }
      throw new Error('no village took the focus');
    })();
    await page.keyboard.press('Tab');
    expect((await focused()).startsWith('map-area-')).toBe(false); // Tab leaves the villages at once
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe(village);
    await page.keyboard.press('ArrowRight');
    const east = await focused();
    expect(east).toMatch(/^map-area-\d{12}$/);
    expect(east).not.toBe(village);
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe(village);
    await page.keyboard.press('Enter');
    await tabTo('map-add');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=reach]:has-text("将送达")').waitFor();

    // Compose: a template, then send; the confirmation states the reach.
    await tabTo('tpl-flood', true);
    await page.keyboard.press('Enter');
    await tabTo('send');
    await page.keyboard.press('Enter');
    await page.getByTestId('confirm').waitFor();
    expect(await focused()).toBe('confirm-send');
    await page.keyboard.press('Escape');
    await page.getByTestId('confirm').waitFor({ state: 'detached' });
    expect(await focused()).toBe('send');
    await page.keyboard.press('Enter');
    await page.getByTestId('confirm').waitFor();
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
      expect(await page.locator('[data-testid=confirm] :focus').count()).toBe(1);
    }
    await tabTo('confirm-send');
    await page.keyboard.press('Enter');
    await page.getByTestId('board').waitFor();
    const ref = await text(page, 'board-ref');

    // The board by its skip link, and the order again from the list.
    await page.keyboard.press('Escape');
    await tabTo('skip-board', true, 200);
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('board');
    await tabTo('tab-orders', true, 200);
    await page.keyboard.press('Enter');
    await tabTo(`order-${ref}`);
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid=board-ref]:has-text("${ref}")`).waitFor();
    await page.close();
  }, 120_000);

  it('a token revoked while signed in sends the console back to sign-in, saying why', async () => {
    const admin = { Authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' };
    const made = (await (await fetch(`${s.url}/api/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'console', name: 'night desk' }) })).json()) as { id: string; token: string };
    const page = await signIn(made.token);
    expect(await text(page, 'who')).toContain('night desk');
    await fetch(`${s.url}/api/tokens/${made.id}`, { method: 'DELETE', headers: admin });
    await page.getByTestId('signin-error').waitFor();
    expect(await text(page, 'signin-error')).toContain('令牌无效或已被吊销');
    expect(await page.evaluate("sessionStorage.getItem('lifeline.token')")).toBeNull();
    await page.close();
  });
});
