import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { createOrderBody, ordersQuery } from '@lifeline/contracts';
import type { OrderRow } from '@lifeline/store';
import { Lifeline } from '../lifeline';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { scopePaths } from '@lifeline/engine';
import { contractStatus } from '@lifeline/machines';
import { parse } from './parse';
import { z } from 'zod';

const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1_000), after: z.string().max(300).default('') });

@Controller('api/orders')
@Roles('console')
export class OrdersController {
  constructor(private readonly lifeline: Lifeline) {}

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

  @Get(':id')
  async get(@Req() req: AuthedRequest, @Param('id') id: string, @Query() query: unknown) {
    const q = parse(pageQuery, query, 'query');
    const o = await this.visible(req, id);
    const { read } = this.lifeline.store;
    const page = await read.deliveries.ofOrder(id, q.limit, q.after);
    const attempts = await read.attempts.ofDeliveries(page.map((d) => d.id));
    const deliveries = page.map((d) => ({
      deliveryId: d.id,
      personId: d.personId,
      area: d.area,
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
