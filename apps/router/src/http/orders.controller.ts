import { yieldTurn } from '@lifeline/clock';
import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { createOrderBody, deliveryFilterQuery, orderPageQuery, ordersQuery, previewOrderBody, resendOrderBody } from '@lifeline/contracts';
import type { DeliveryFilter, OrderRow } from '@lifeline/store';
import { Lifeline } from '../lifeline';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { inScope, scopePaths, type Principal, type NodeCore } from '@lifeline/engine';
import { OrderProgress, type DeliveryStatus } from '@lifeline/domain';
import { contractStatus } from '@lifeline/machines';
import { parse } from './parse';
import { ApiError } from './errors';
import { csvLine, UTF8_BOM } from './csv';
import { z } from 'zod';

const CSV_PAGE = 1_000;
const PROGRESS_PAGE = 2_000;

@Controller('api/orders')
@Roles('console')
export class OrdersController {
  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  @Post()
  @HttpCode(202)
  async create(@Req() req: AuthedRequest, @Body() body: unknown) {
    const b = parse(createOrderBody, body, 'order');
    const a = await this.lifeline.core.orders.accept(req.principal, b.clientRef, b.order);
    return { orderId: a.orderId, ref: a.ref, deliveries: a.deliveries };
  }

  @Get()
  async list(@Req() req: AuthedRequest, @Query() query: unknown) {
    const q = parse(ordersQuery, query, 'query');
    return (await this.lifeline.store.read.orders.list(q.status, 500, scopePaths(req.principal, this.lifeline.core.areas))).map((o) => this.view(o));
  }

  /** Whom the order would reach and what each channel would carry: nothing is written. */
  @Post('preview')
  @HttpCode(200)
  async preview(@Req() req: AuthedRequest, @Body() body: unknown) {
    const b = parse(previewOrderBody, body, 'order');
    return this.lifeline.preview.preview(req.principal, b.order);
  }

  @Get(':id')
  async get(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    const q = parse(orderPageQuery, query, 'query');
    const o = await this.visible(req, id);
    const { read } = this.lifeline.store;
    const deliveries = await this.rows(id, this.filter(req.principal, q), q.limit, q.after);
    const next = deliveries.length === q.limit ? deliveries[deliveries.length - 1].deliveryId : null;
    const alert = await read.alerts.ofOrder(id);
    return {
      ...this.view(o),
      alert: alert ? { sender: alert.sender, identifier: alert.identifier, sent: alert.sent, msgType: alert.msgType, info: alert.info, area: alert.area } : null,
      counts: await read.deliveries.countsByStatus(id),
      deliveries,
      next,
    };
  }

  /** The order's deliveries counted by area and status: a map shades areas by answer rate with it. */
  @Get(':id/areas')
  async areas(@Req() req: AuthedRequest, @Param('id') id: string) {
    await this.visible(req, id);
    const byArea = new Map<string, Record<string, number>>();
    for (const r of await this.lifeline.store.read.deliveries.countsByArea(id)) {
      const counts = byArea.get(r.area) ?? {};
      counts[r.status] = r.n;
      byArea.set(r.area, counts);
    }
    return [...byArea].map(([area, counts]) => ({ area, counts }));
  }

  /**
   * The order's progress over time (people reached, answered, final), folded from its receipts on
   * the stream: the console's chart (fetched when an order opens, then at most every 10 s). It reads
   * every event after the order's own, a page at a time, yielding between pages.
   */
  @Get(':id/progress')
  async progress(@Req() req: AuthedRequest, @Param('id') id: string) {
    const o = await this.visible(req, id);
    const progress = new OrderProgress(Number(o.created_at), Boolean(o.ack_required));
    let seq = Number(o.seq);
    for (;;) {
      const page = await this.lifeline.store.read.events.receiptsOf(id, seq, PROGRESS_PAGE);
      for (const r of page) progress.add(r.deliveryId, r.status as DeliveryStatus, r.at);
      if (page.length < PROGRESS_PAGE) break;
      seq = page[page.length - 1].seq;
      // SQLite answers synchronously: let deliveries and sockets run between pages.
      await yieldTurn();
    }
    return { total: Number(o.deliveries), ackRequired: Boolean(o.ack_required), points: progress.points().map((p) => ({ ...p, at: new Date(p.at).toISOString() })) };
  }

  /** Every delivery that passes the filter, one CSV row each (with a BOM, for spreadsheets), a page at a time. */
  @Get(':id/csv')
  async csv(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown, @Res() res: Response) {
    const q = parse(deliveryFilterQuery, query, 'query');
    const o = await this.visible(req, id);
    const filter = this.filter(req.principal, q);
    // Everything that can refuse the request is checked above: once the header row is out, the
    // answer is a 200 and an error could only cut it short.
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="lifeline-${o.ref}-${o.id}.csv"`);
    res.write(UTF8_BOM + csvLine(['personId', 'name', 'area', 'areaName', 'status', 'channel', 'matchedBy', 'attempts', 'lastAt', 'detail']));
    const gone = new Promise<void>((r) => res.once('close', r));
    try {
      for (let after = ''; !res.destroyed; ) {
        const page = await this.rows(id, filter, CSV_PAGE, after);
        const text = page.map((d) => {
          const last = d.attempts[d.attempts.length - 1];
          return csvLine([d.personId, d.name, d.area, d.areaName, d.status, d.channel, d.matchedBy, d.attempts.length, last?.at, last?.detail]);
        });
        // Backpressure: a slow client holds one page in memory, not the whole order; one that
        // goes away ends the export.
        if (!res.write(text.join(''))) await Promise.race([new Promise((r) => res.once('drain', r)), gone]);
        if (page.length < CSV_PAGE) break;
        after = page[page.length - 1].deliveryId;
      }
      res.end();
    } catch (e) {
      // The header row is out: an error can only cut the answer short, and say so in the log.
      this.lifeline.log.error('csv export cut short', { orderId: id, error: String(e) });
      res.destroy();
    }
  }

  /**
   * The query's filter for the store. An area that does not exist is refused, naming it; so is,
   * for a scoped token, one outside its areas, alike: the answer must not tell which exist.
   */
  private filter(p: Principal, q: z.output<typeof deliveryFilterQuery>): DeliveryFilter {
    const tree = this.lifeline.core.areas;
    if (q.area !== undefined && (!tree.has(q.area) || !inScope(p, tree, q.area)))
      throw new ApiError(400, 'unknown_area', `unknown area ${q.area}`, [{ path: 'area', message: `unknown area code ${q.area}`, code: 'unknown_area' }]);
    return { statuses: q.status, channel: q.channel, areaPath: q.area === undefined ? undefined : tree.path(q.area), text: q.q };
  }

  /** A page of the order's deliveries that pass the filter, as the order view shows them. */
  private async rows(orderId: string, filter: DeliveryFilter, limit: number, after: string) {
    const { read } = this.lifeline.store;
    const tree = this.lifeline.core.areas;
    const page = await read.deliveries.page(orderId, filter, limit, after);
    const attempts = await read.attempts.ofDeliveries(page.map((d) => d.id));
    return page.map((d) => ({
      deliveryId: d.id,
      personId: d.personId,
      name: d.name,
      area: d.area,
      areaName: tree.get(d.area)?.name ?? null,
      status: contractStatus(d.status),
      channel: d.channel,
      matchedBy: d.matched,
      attempts: (attempts.get(d.id) ?? []).map((a) => ({
        attempt: Number(a.attempt),
        channel: a.channel,
        status: a.status,
        at: new Date(Number(a.at)).toISOString(),
        detail: a.detail,
      })),
    }));
  }

  /** The order as a CAP 1.2 alert (a cancelled one as its Cancel). */
  @Get(':id/cap')
  @Header('content-type', 'application/cap+xml; charset=utf-8')
  cap(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.lifeline.cap.out.order(req.principal, id);
  }

  /** The order as a GB/T 35965.1 warning (a cancelled one as its Cancel). */
  @Get(':id/gbt35965')
  @Header('content-type', 'application/xml; charset=utf-8')
  gbt(@Req() req: AuthedRequest, @Param('id') id: string) {
    return this.lifeline.cap.out.gbtOrder(req.principal, id);
  }

  /** One new order to the order's people who have not answered (or were not reached), picked here, not by the client. */
  @Post(':id/resend')
  @HttpCode(202)
  async resend(@Req() req: AuthedRequest, @Param('id') id: string, @Body() body: unknown) {
    const { clientRef, people, ...changes } = parse(resendOrderBody, body, 'body');
    const a = await this.lifeline.core.orders.resend(req.principal, id, clientRef, people, changes);
    return { orderId: a.orderId, ref: a.ref, deliveries: a.deliveries };
  }

  @Post(':id/cancel')
  @HttpCode(202)
  async cancel(@Req() req: AuthedRequest, @Param('id') id: string) {
    const n = await this.lifeline.core.orders.cancel(req.principal, id);
    return { orderId: id, cancelled: n };
  }

  /** The order, if it is the token's business; one outside its areas is answered like one that does not exist. */
  private visible(req: AuthedRequest, id: string): Promise<OrderRow> {
    return this.lifeline.core.orders.checkVisible(req.principal, id);
  }

  private view(o: OrderRow) {
    return {
      orderId: o.id,
      ref: o.ref,
      clientRef: o.client_ref,
      priority: o.priority,
      to: JSON.parse(o.target),
      body: o.body,
      summary: o.summary,
      ackRequired: Boolean(o.ack_required),
      ackWithinS: Number(o.ack_within_s),
      ttlS: Number(o.ttl_s),
      createdAt: new Date(Number(o.created_at)).toISOString(),
      expiresAt: new Date(Number(o.expires_at)).toISOString(),
      cancelled: Boolean(o.cancelled),
      deliveryCount: Number(o.deliveries),
      open: Number(o.open_count),
      status: Number(o.open_count) > 0 ? 'open' : 'closed',
    };
  }
}
