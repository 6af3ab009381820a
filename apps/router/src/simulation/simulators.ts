import { SimulatedGateway, type GatewayLink, type SimWorld } from '@lifeline/channels';
import type { Clock } from '@lifeline/domain';
import type { Config } from '../config/config.schema';
import { ConfigError } from '../config/load-config';

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

/** Builds and connects the simulators; they reach the router only through the gateway link. */
export function startSimulators(
  config: Config,
  channels: readonly string[],
  link: GatewayLink,
  clock: Clock,
  rootArea: string,
  world?: SimWorld,
): Map<string, SimulatedGateway> {
  const sims = new Map<string, SimulatedGateway>();
  config.channels.forEach((c, i) => {
    if (!channels.includes(c.id)) return;
    const s = c.simulator;
    const sim = new SimulatedGateway(
      {
        channel: c.id,
        gatewayId: `sim-${c.id}`,
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
        coverage: s.coverage ? { areas: s.coverage.areas, forMs: s.coverage.forS * 1000 } : null,
      },
      clock,
      config.simulation.seed * 1000 + i,
      world,
    );
    sim.connect(link);
    sims.set(c.id, sim);
  });
  return sims;
}
