import type { Deserializer } from '@nestjs/microservices';

/** What a message that is not JSON becomes: data that no message schema accepts. */
const MALFORMED = null;

function decode(value: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value as Uint8Array)) };
  } catch {
    return { ok: false };
  }
}

/**
 * Incoming requests and events, as Nest's NATS JSON deserializer reads them, but a message that is
 * not JSON (or not UTF-8) is a message with malformed data, refused by the handler's schema, not
 * an exception: Nest's own throws where nothing catches it, and one bad message would end the node.
 */
export class BusRequestDeserializer implements Deserializer {
  deserialize(value: unknown, options?: { channel?: string; replyTo?: string }): unknown {
    const r = decode(value);
    // A request (it has a reply subject) is answered even when it names no id, so its sender is told.
    const id = options?.replyTo ? { id: 'unnamed' } : {};
    if (!r.ok) return { pattern: options?.channel, data: MALFORMED, ...id };
    const v = r.value as { pattern?: unknown; data?: unknown; id?: unknown } | null;
    const packet = v !== null && typeof v === 'object' && (v.pattern !== undefined || v.data !== undefined);
    return packet ? { ...(v.id === undefined ? id : {}), ...v } : { pattern: options?.channel, data: v, ...id };
  }
}

/** Answers to a follower's requests: one that cannot be read fails that request (not the node). */
export class BusResponseDeserializer implements Deserializer {
  deserialize(value: unknown): unknown {
    const r = decode(value);
    if (r.ok && r.value !== null && typeof r.value === 'object') return r.value;
    return { err: 'an answer on the bus that is not JSON', isDisposed: true };
  }
}
