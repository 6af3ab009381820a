/**
 * Config overlays: files merged onto the defaults. Objects merge key by key; lists replace, but
 * for lists of things with an `id` (channels, relay resources), which merge item by item by id: an
 * overlay entry changes the keys it names, a new id adds an item, `remove: true` takes one out.
 */
const BY_ID = new Set(['channels', 'relays.resources']);

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeConfig(base: Json, overlay: Json, path = ''): Json {
  if (Array.isArray(base) && Array.isArray(overlay) && BY_ID.has(path)) return mergeById(base, overlay, path);
  if (!isObject(base) || !isObject(overlay)) return overlay === undefined ? base : overlay;
  const out: Record<string, Json> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = mergeConfig(base[k], v, path ? `${path}.${k}` : k);
  }
  return out;
}

function mergeById(base: Json[], overlay: Json[], path: string): Json[] {
  const out = [...base];
  for (const item of overlay) {
    const id = isObject(item) ? item.id : undefined;
    const at = out.findIndex((b) => isObject(b) && id !== undefined && b.id === id);
    if (isObject(item) && item.remove === true) {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeConfig(out[at], item, `${path}.${String(id)}`);
    else out.push(item);
  }
  return out;
}

/**
 * A zod issue path as a reader names the key: list items that have an id by their id
 * (`channels.pdt.capacity.ratePerS`, not `channels.2.capacity.ratePerS`).
 */
export function keyPath(raw: Json, path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let at: Json = raw;
  for (const p of path) {
    const next: Json = Array.isArray(at) || isObject(at) ? (at as Record<PropertyKey, Json>)[p as string] : undefined;
    parts.push(typeof p === 'number' && isObject(next) && typeof next.id === 'string' ? next.id : String(p));
    at = next;
  }
  return parts.join('.') || '(root)';
}
