import type { SimWorld } from '@lifeline/channels';
import type { Channels, OutageBoard, TerminalKind } from '@lifeline/domain';

/**
 * The simulated gateways' view of a drill: what outages do to one message, from the area of the
 * terminal it goes to (the simulated world knows where each terminal is). With no outage active
 * (every benchmark, most of the time) it answers without a lookup.
 */
export class OutageWorld implements SimWorld {
  constructor(
    private readonly board: OutageBoard,
    private readonly channels: Channels,
    private readonly areaOfTerminal: (kind: TerminalKind, address: string) => string | undefined,
  ) {}

  conditions(channel: string, to: string, now: number, mobile: boolean): ReturnType<SimWorld['conditions']> {
    // A mobile station brings its own gateway, power and backhaul: drills of fixed ones spare it.
    if (mobile || !this.board.anyActive(now)) return { fault: null, loss: 0, sitesUp: true };
    const spec = this.channels.get(channel);
    const area = spec ? this.areaOfTerminal(spec.terminal, to) : undefined;
    const fault = this.board.fault(channel, area ?? null, now);
    return { fault: fault?.mode ?? null, loss: fault?.loss ?? 0, sitesUp: !area || this.board.sitesUp(channel, area, now) };
  }
}
