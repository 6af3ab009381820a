import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { outageBody, simReplyBody } from '@lifeline/contracts';
import type { Outage } from '@lifeline/domain';
import { Lifeline } from '../lifeline';
import { Roles } from '../auth/auth.guard';
import { ApiError } from './errors';
import { parse } from './parse';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
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

/** Contract section 4, drills: outages (三断 and gateway faults) and simulated answers. */
@Controller('api')
export class DrillsController {
  constructor(private readonly lifeline: Lifeline) {}

  @Post('drills/outages')
  @Roles('drill')
  async outage(@Body() body: unknown) {
    const o = await this.lifeline.core.outages.add(parse(outageBody, body, 'outage'));
    return view(o);
  }

  @Get('drills/outages')
  @Roles('drill')
  outages() {
    return this.lifeline.core.outages.list().map(view);
  }

  @Delete('drills/outages/:id')
  @Roles('drill')
  async endOutage(@Param('id') id: string) {
    return view(await this.lifeline.core.outages.end(id));
  }

  /** Relay missions under way: which resource goes or stands where, until when. */
  @Get('drills/relays')
  @Roles('drill')
  relays() {
    return this.lifeline.core.relays.list().map((m) => ({
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
  simReply(@Param('id') personId: string, @Body() body: unknown) {
    const b = parse(simReplyBody, body, 'reply');
    const r = this.lifeline.simulateReply(personId, b.orderId, b.text);
    if (r === null) throw new ApiError(404, 'not_found', `person ${personId} has no delivery of order ${b.orderId}`);
    if (r === 'unreachable') throw new ApiError(409, 'unreachable', `no simulated channel reaches ${personId} now`);
    return { personId, orderId: b.orderId, channel: r.channel };
  }

}
