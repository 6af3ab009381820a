import type { Clock } from '@lifeline/clock';
import { SimulatedGateway, type GatewayLink, type SimulatedPeople, type SimulatorSpec, type SimWorld } from '@lifeline/channels';
import type { RouterCore } from '@lifeline/engine';
import { CHANNEL_CATALOG } from '@lifeline/domain';
import type { Config } from '../config/config.schema';
import { ConfigError, terminalOf } from '../config/load-config';

/** Which channels get an in-process simulated gateway: `all`, `none`, or a comma list. */
export function simulatedChannels(config: Config, setting = process.env.LIFELINE_SIMULATORS ?? 'all'): string[] {
  const ids = config.channels.map((c) => c.id);
  if (setting.trim() === 'all') return ids;
  if (setting.trim() === 'none' || setting.trim() === '') return [];
  const wanted = setting.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !ids.includes(w));
  if (unknown.length) throw new ConfigError(`LIFELINE_SIMULATORS: unknown channel ${unknown.join(', ')}; expected all, none or some of ${ids.join(', ')}`);
  return wanted;
}

function simulatorSpec(c: Config['channels'][number], rootArea: string): SimulatorSpec {
  const s = c.simulator;
  return {
    channel: c.id,
    gatewayId: `sim-${c.id}`,
    terminal: terminalOf(c),
    areas: s.areas ?? [rootArea],
    window: s.window,
    acceptMs: s.acceptMs,
    deliverMs: s.deliverMs,
    loss: s.loss,
    ratePerS: s.ratePerS,
    minIntervalMs: s.minIntervalMs,
    concurrent: s.concurrent,
    replyProbability: s.replyProbability,
    replyDelayMs: s.replyDelayMs,
    invalidPrefix: s.invalidPrefix,
    receipts: s.receipts,
    coverage: s.coverage ? { areas: s.coverage.areas, forMs: s.coverage.forS * 1000 } : null,
  };
}

/** Builds and connects the simulators; they reach the router only through the gateway link. */
export function startSimulators(
  config: Config,
  channels: readonly string[],
  link: GatewayLink,
  clock: Clock,
  rootArea: string,
  world?: SimWorld,
  people: SimulatedPeople | null = null,
): Map<string, SimulatedGateway> {
  const sims = new Map<string, SimulatedGateway>();
  config.channels.forEach((c, i) => {
    if (!channels.includes(c.id)) return;
    const sim = new SimulatedGateway(simulatorSpec(c, rootArea), clock, config.simulation.seed * 1000 + i, world, people);
    sim.connect(link);
    sims.set(c.id, sim);
  });
  return sims;
}

/**
 * Plays the relay resources in drills: when one arrives, a simulated gateway of its own joins for
 * its channel over the area (a drone announces coverage until it must leave; a mobile 370MHz
 * station says hello for the area), and leaves with it.
 */
export function simulateRelays(config: Config, core: RouterCore, clock: Clock, world?: SimWorld, people: SimulatedPeople | null = null): void {
  const flying = new Map<string, SimulatedGateway>();
  let seed = config.simulation.seed * 1000 + 500;
  core.relayArrivals$.subscribe((m) => {
    const c = config.channels.find((ch) => ch.id === m.resource.channel);
    if (!c) return;
    // A cell in the air announces where and until when it covers; a truck's station says hello for the area.
    const drone = CHANNEL_CATALOG[c.kind].reach === 'air';
    const spec: SimulatorSpec = {
      ...simulatorSpec(c, m.area),
      gatewayId: m.resource.id,
      areas: drone ? [] : [m.area],
      coverage: drone ? { areas: [m.area], forMs: m.leaveAt - clock.now() } : null,
      window: m.resource.capacity,
      concurrent: drone ? m.resource.capacity : c.simulator.concurrent,
      mobile: true,
    };
    const sim = new SimulatedGateway(spec, clock, seed++, world, people);
    sim.connect(core.gateways);
    flying.set(m.resource.id, sim);
  });
  core.relayDepartures$.subscribe((m) => {
    flying.get(m.resource.id)?.disconnect();
    flying.delete(m.resource.id);
  });
}
