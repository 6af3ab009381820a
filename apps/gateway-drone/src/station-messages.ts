import { z } from 'zod';
import { areaCode } from '@lifeline/contracts';

/**
 * What drone ground stations publish over MQTT, under `<prefix>/<station>/`:
 *   online        "1" / "0" (retained; the station's last will says "0")
 *   coverage      {"areas":["330104"],"until":"2026-11-23T14:00:00Z"}   (retained)
 *   health        {"cell":"up","batteryPct":62,"enduranceS":14400,"at":"2026-11-23T10:00:00Z","detail":"..."}   (retained)
 *   sms/status    {"id":"<attempt id>","status":"accepted|delivered|failed","permanent":false,"reason":"..."}
 *   sms/inbox     {"from":"13800000001","text":"A7K2 1"}
 * and what the adapter publishes to it:
 *   sms/send      {"id":"<attempt id>","to":"13800000001","text":"...","priority":"flash"}   (QoS 1)
 */
export const coverageMessage = z.strictObject({ areas: z.array(areaCode).max(1_000), until: z.iso.datetime({ offset: true }) });
export const healthMessage = z.strictObject({
  cell: z.enum(['up', 'degraded', 'down']),
  batteryPct: z.number().min(0).max(100).optional(),
  /** Seconds the drone can stay on station with what it has left. */
  enduranceS: z.number().min(0).optional(),
  /**
   * When the station measured it. A retained message outlives its station (a broker restarted
   * while the station was gone keeps it, with no last will left to say so): counted from `at`, the
   * endurance of a station long gone is long spent, and its cell is not reported on station.
   */
  at: z.iso.datetime({ offset: true }).optional(),
  detail: z.string().max(300).optional(),
});
export const statusMessage = z.discriminatedUnion('status', [
  z.strictObject({ id: z.string().min(1).max(300), status: z.literal('accepted') }),
  z.strictObject({ id: z.string().min(1).max(300), status: z.literal('delivered') }),
  z.strictObject({ id: z.string().min(1).max(300), status: z.literal('failed'), permanent: z.boolean().default(false), reason: z.string().max(300).default('failed') }),
]);
export const inboxMessage = z.strictObject({ from: z.string().min(1).max(64), text: z.string().max(2_000) });
export const sendMessage = z.strictObject({ id: z.string(), to: z.string(), text: z.string(), priority: z.string() });

export type CoverageMessage = z.output<typeof coverageMessage>;
export type HealthMessage = z.output<typeof healthMessage>;
export type SendMessage = z.output<typeof sendMessage>;

/**
 * How long the cell really covers: the planned end, or sooner when the drone must leave for lack
 * of battery or fuel.
 */
export function coverageUntil(planned: number, now: number, enduranceS: number | undefined): number {
  return enduranceS === undefined ? planned : Math.min(planned, now + enduranceS * 1000);
}

/**
 * When a health message's endurance counts from: its `at`, or when it was heard if it has none or
 * names a time still to come (a station's clock ahead of ours gains it no endurance).
 */
export function measuredAt(h: HealthMessage, heardAt: number): number {
  const at = h.at === undefined ? NaN : Date.parse(h.at);
  return Number.isFinite(at) ? Math.min(at, heardAt) : heardAt;
}

/** The gateway's health from the cell's, degraded when the drone is low on endurance. */
export function gatewayHealth(h: HealthMessage, lowBatteryPct: number): 'up' | 'degraded' | 'down' {
  if (h.cell === 'down') return 'down';
  if (h.cell === 'degraded' || (h.batteryPct !== undefined && h.batteryPct < lowBatteryPct)) return 'degraded';
  return 'up';
}
