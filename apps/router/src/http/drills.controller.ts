import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { outageBody, simReplyBody } from '@lifeline/contracts';
import type { Outage } from '@lifeline/domain';
import { inScope, type Principal, type NodeCore } from '@lifeline/engine';
import { Lifeline } from '../lifeline';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { ApiError } from './errors';
import { parse } from './parse';

/** A time as ISO 8601; one past what a date can say (a row from before durations were bounded) as none. */
const iso = (t: number | null) => (t === null || !Number.isFinite(new Date(t).getTime()) ? null : new Date(t).toISOString());
const view = (o: Outage & { active?: boolean }) => ({
  outageId: o.id,
  kind: o.kind,
  area: o.area,
  channel: o.channel,
  mode: o.mode,
  loss: o.loss,
  startAt: iso(o.startAt),
  endAt: iso(o.endAt),
  ...(o.active === undefined ? {} : { active: o.active }),
});

/**
 * Contract section 4, drills: outages (三断 and gateway faults) and simulated answers. A drill
 * token scoped to areas drills only there: its outages name an area within them, and it sees and
 * ends only those; outages and missions elsewhere are answered as unknown.
 */
@Controller('api')
export class DrillsController {
  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  private mine(p: Principal, area: string | null): boolean {
    return p.areas === null || (area !== null && inScope(p, this.lifeline.core.areas, area));
  }

  @Post('drills/outages')
  @Roles('drill')
  async outage(@Req() req: AuthedRequest, @Body() body: unknown) {
    const b = parse(outageBody, body, 'outage');
    const p = req.principal;
    if (p.areas !== null && (b.area === undefined || !this.mine(p, b.area)))
      throw new ApiError(403, 'out_of_scope', "this drill token may only inject outages within its areas: expected area within them", [
        { path: 'area', message: "expected an area within this token's areas", code: 'out_of_scope' },
      ]);
    return view(await this.lifeline.core.outages.add(b, p));
  }

  /** Dispatch desks see outages too (the situation map): reading them changes nothing. */
  @Get('drills/outages')
  @Roles('drill', 'console')
  outages(@Req() req: AuthedRequest) {
    return this.lifeline.core.outages.list().filter((o) => this.mine(req.principal, o.area)).map(view);
  }

  @Delete('drills/outages/:id')
  @Roles('drill')
  async endOutage(@Req() req: AuthedRequest, @Param('id') id: string) {
    const o = this.lifeline.core.outages.list().find((x) => x.id === id);
    if (!o || !this.mine(req.principal, o.area)) throw new ApiError(404, 'not_found', `no outage ${id}`);
    return view(await this.lifeline.core.outages.end(id, req.principal));
  }

  /** Relay missions under way: which resource goes or stands where, until when. */
  @Get('drills/relays')
  @Roles('drill', 'console')
  relays(@Req() req: AuthedRequest) {
    return this.lifeline.core.relayMissions().filter((m) => this.mine(req.principal, m.area)).map((m) => ({
      resource: m.resource.id,
      channel: m.resource.channel,
      area: m.area,
      state: m.state,
      arriveAt: iso(m.arriveAt),
      leaveAt: iso(m.leaveAt),
    }));
  }

  /** A simulated person answers an order over whatever channel reaches them now. */
  @Post('sim/people/:id/reply')
  @Roles('drill')
  @HttpCode(202)
  async simReply(@Req() req: AuthedRequest, @Param('id') personId: string, @Body() body: unknown) {
    const b = parse(simReplyBody, body, 'reply');
    const r = await this.lifeline.simulateReply(req.principal, personId, b.orderId, b.text);
    if (r === null) throw new ApiError(404, 'not_found', `person ${personId} has no delivery of order ${b.orderId}`);
    if (r === 'unreachable') throw new ApiError(409, 'unreachable', `no simulated channel reaches ${personId} now`);
    return { personId, orderId: b.orderId, channel: r.channel };
  }

}
