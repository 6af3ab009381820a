import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { CHANNEL_CATALOG, Channels, type ChannelSpec } from '@lifeline/domain';
import type { EngineConfig } from '@lifeline/engine';
import { configSchema, directorySchema, tokensSchema, type Config } from './config.schema';
import { keyPath, mergeConfig } from './merge-config';

/** A config problem, named by file and key path; `main` turns it into exit code 2. */
export class ConfigError extends Error {}

/** The defaults every config starts from; `LIFELINE_CONFIG` files are merged onto them. */
export const DEFAULT_CONFIG = 'config/default.yaml';

function readRaw(file: string): unknown {
  try {
    const text = readFileSync(file, 'utf8');
    return file.endsWith('.json') ? JSON.parse(text) : parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${(e as Error).message}`);
  }
}

function validate<T>(what: string, raw: unknown, schema: z.ZodType<T>, name: typeof keyPath = keyPath): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => `  ${name(raw, i.path)}: ${i.message}`);
    throw new ConfigError(`${what}: invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function readStructured<T>(file: string, schema: z.ZodType<T>, name: typeof keyPath = keyPath): T {
  return validate(file, readRaw(file), schema, name);
}

/**
 * A key path in the directory as its reader names it: people by id, areas by code
 * (`people.p-000145.area`, `areas.330102.parent`), not by their place in the file.
 */
function directoryPath(raw: unknown, path: readonly PropertyKey[]): string {
  const [list, i, ...rest] = path;
  const item = (list === 'people' || list === 'areas') && typeof i === 'number' ? (raw as Record<string, unknown[] | undefined>)[list]?.[i] : undefined;
  const key = list === 'areas' ? 'code' : 'id';
  const named = item !== null && typeof item === 'object' && typeof (item as Record<string, unknown>)[key] === 'string' ? ((item as Record<string, string>)[key]) : null;
  return named === null ? keyPath(raw, path) : [list, named, ...rest].map(String).join('.');
}

/** The config files in force: the defaults, then each file `LIFELINE_CONFIG` names (comma-separated). */
export function configFiles(setting = process.env.LIFELINE_CONFIG): string[] {
  const extra = (setting ?? '').split(',').map((f) => f.trim()).filter((f) => f && resolve(f) !== resolve(DEFAULT_CONFIG));
  return [DEFAULT_CONFIG, ...extra];
}

/**
 * The effective config: the defaults with each overlay merged on (see `mergeConfig`), validated
 * as a whole. Errors name the files and each key by its path, list items by their id.
 */
export function loadConfig(files: string | readonly string[] = configFiles()): Config {
  const list = typeof files === 'string' ? configFiles(files) : files;
  const raw = list.reduce<unknown>((merged, f) => {
    try {
      return mergeConfig(merged, readRaw(resolve(f)));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`${f}: cannot merge onto the defaults: ${(e as Error).message}`); // e.g. nesting too deep
    }
  }, {});
  const what = list.length > 1 ? `${list[0]} with ${list.slice(1).join(', ')}` : list[0];
  const config = validate(what, raw, configSchema);
  const ids = new Set(config.channels.map((c) => c.id));
  const expected = `expected one of the channel ids (${[...ids].join(', ')})`;
  for (const [priority, list] of Object.entries(config.preference))
    for (const [i, id] of list.entries()) if (!ids.has(id)) throw new ConfigError(`${what}: invalid:\n  preference.${priority}.${i}: ${expected}, got ${id}`);
  for (const r of config.relays.resources)
    if (!ids.has(r.channel)) throw new ConfigError(`${what}: invalid:\n  relays.resources.${r.id}.channel: ${expected}, got ${r.channel}`);
  const dup = config.channels.find((c, i) => config.channels.findIndex((d) => d.id === c.id) !== i);
  if (dup) throw new ConfigError(`${what}: invalid:\n  channels.${dup.id}: the id is used twice`);
  return config;
}

/** Parses the directory and checks what a schema cannot: unique ids and terminals, known areas. */
export function loadDirectory(file: string) {
  const dir = readStructured(resolve(file), directorySchema, directoryPath);
  const fail = (path: string, msg: string) => {
    throw new ConfigError(`${file}: invalid:\n  ${path}: ${msg}`);
  };
  const codes = new Set<string>();
  dir.areas.forEach((a) => (codes.has(a.code) ? fail(`areas.${a.code}.code`, `duplicate area code ${a.code}`) : codes.add(a.code)));
  dir.areas.forEach((a) => a.parent !== null && !codes.has(a.parent) && fail(`areas.${a.code}.parent`, `expected a known area code, got ${a.parent}`));
  if (dir.areas.filter((a) => a.parent === null).length !== 1) fail('areas', 'expected exactly one root area (parent: null)');
  const ids = new Set<string>();
  const terminals = new Set<string>();
  dir.people.forEach((p) => {
    if (ids.has(p.id)) fail(`people.${p.id}.id`, `duplicate person id ${p.id}`);
    ids.add(p.id);
    if (!codes.has(p.area)) fail(`people.${p.id}.area`, `expected a known area code, got ${p.area}`);
    for (const [kind, address] of Object.entries(p.terminals)) {
      const key = `${kind}:${address}`;
      if (terminals.has(key)) fail(`people.${p.id}.terminals.${kind}`, `address ${address} is held by someone else`);
      terminals.add(key);
    }
  });
  return dir;
}

export function loadTokens(file: string) {
  return readStructured(resolve(file), tokensSchema);
}

/** The terminal a configured channel reaches people on: its own, or its kind's (the catalog). */
export function terminalOf(c: Config['channels'][number]): ChannelSpec['terminal'] {
  return c.terminal ?? CHANNEL_CATALOG[c.kind].terminal;
}

export function channelSpecs(config: Config): ChannelSpec[] {
  return config.channels.map((c) => ({
    id: c.id,
    kind: c.kind,
    terminal: terminalOf(c),
    narrowband: c.narrowband ?? CHANNEL_CATALOG[c.kind].narrowband,
    text: c.text,
    acceptTimeoutS: c.acceptTimeoutS,
    deliveryTimeoutS: c.deliveryTimeoutS,
    presumeDeliveredS: c.presumeDeliveredS,
    capacity: { ratePerS: c.capacity.ratePerS, burst: c.capacity.burst ?? Math.max(1, c.capacity.ratePerS), areaDepth: c.capacity.areaDepth },
    breaker: c.breaker,
    batteryH: c.batteryH,
  }));
}

export function engineConfig(config: Config): EngineConfig {
  return {
    channels: new Channels(channelSpecs(config)),
    preference: config.preference as EngineConfig['preference'],
    retry: config.retry,
    startBatch: config.engine.startBatch,
    dispatchHighWater: config.engine.dispatchHighWater,
    eventBatch: config.engine.eventBatch,
    graceS: config.graceS,
    gatewayGraceS: config.engine.gatewayGraceS,
    linkGraceS: config.engine.linkGraceS,
    relays: config.relays,
  };
}
