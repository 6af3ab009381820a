import type { DeliveryContext, DeliveryEvent } from './delivery.types';

/**
 * Dead channels once `event` is applied: a permanent failure (an invalid number) kills every
 * channel that reaches the person on the same terminal, e.g. public and drone share the phone.
 */
export function deadAfter(ctx: DeliveryContext, event: DeliveryEvent): string[] {
  if (!(event.type === 'FAILED' && event.permanent && ctx.channel) || ctx.dead.includes(ctx.channel)) return ctx.dead;
  const terminal = ctx.terminalOf[ctx.channel];
  const same = ctx.channels.filter((c) => c === ctx.channel || (terminal !== undefined && ctx.terminalOf[c] === terminal));
  return [...ctx.dead, ...same.filter((c) => !ctx.dead.includes(c))];
}

function alive(ctx: DeliveryContext, dead: readonly string[]): string[] {
  return ctx.channels.filter((c) => !dead.includes(c));
}

function availableOf(event: DeliveryEvent): readonly string[] {
  return 'available' in event ? event.available : [];
}

/** The best channel from the top of the preference order: for a fresh start. */
export function pickFresh(ctx: DeliveryContext, event: DeliveryEvent): string | null {
  const available = availableOf(event);
  return alive(ctx, deadAfter(ctx, event)).find((c) => available.includes(c)) ?? null;
}

/**
 * The next channel after the current one, wrapping around. In a fallback, channels already tried
 * this round are skipped so two failing channels cannot ping-pong without a back-off.
 */
export function pickNext(ctx: DeliveryContext, event: DeliveryEvent, skipTried: boolean): string | null {
  const available = availableOf(event);
  const list = alive(ctx, deadAfter(ctx, event));
  const start = ctx.channel ? list.indexOf(ctx.channel) + 1 : 0;
  const rotated = [...list.slice(start), ...list.slice(0, start)];
  return rotated.find((c) => available.includes(c) && !(skipTried && ctx.round.includes(c))) ?? null;
}

export function describeLoss(ctx: DeliveryContext, event: DeliveryEvent): string {
  const ch = ctx.channel ?? 'channel';
  switch (event.type) {
    case 'FAILED':
      return `${ch} failed${event.permanent ? ' permanently' : ''}: ${event.reason}`;
    case 'SILENT':
      return `${ch} silent: ${event.reason}`;
    case 'TIMER_FIRED':
      return event.name === 'delivery' ? `${ch} silent: no delivery receipt in time` : `${ch}: ${event.name} timer`;
    case 'CHANNEL_CHANGED':
      return `${ch} no longer reaches the person`;
    default:
      return `${ch}: ${event.type}`;
  }
}

export function describeWaiting(ctx: DeliveryContext, event: DeliveryEvent): string {
  const dead = deadAfter(ctx, event);
  const waiting = alive(ctx, dead);
  return `waiting: none of ${waiting.join(', ') || 'the person’s channels'} reaches the person now`;
}
