const decoder = new TextDecoder('utf-8', { fatal: true });

/** A NATS message's bytes as text, or null when they are not UTF-8. */
export function textOf(data: Uint8Array): string | null {
  try {
    return decoder.decode(data);
  } catch {
    return null;
  }
}

/** A NATS message's bytes as JSON, or null when they are not UTF-8 JSON: read, never thrown. */
export function jsonOf(data: Uint8Array): unknown {
  const text = textOf(data);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
