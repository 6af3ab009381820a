import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { areaCode, describeIssues, id, linkOwner } from '@lifeline/contracts';

/** What every adapter's config file holds: how to reach the router and what to say in hello. */
export const linkConfig = z.strictObject({
  router: z.strictObject({
    url: z.string().regex(/^(wss?|nats|tls):\/\//, 'expected the router\'s gateway link: a ws:// or wss:// URL (ws://127.0.0.1:3000/gateway), or a NATS server (nats://127.0.0.1:4222, tls://…)'),
    token: z.string().min(1),
    /** Over NATS with a NATS user of this gateway's own: the owner its permissions name. */
    linkOwner: linkOwner.optional(),
  }),
  gatewayId: id,
  areas: z.array(areaCode).default([]),
  window: z.number().int().min(1).max(100_000),
  reconnect: z.strictObject({ baseMs: z.number().int().min(10).default(500), maxMs: z.number().int().min(100).default(30_000) }).prefault({}),
  /**
   * Where the adapter keeps its in-flight device keys (message ids, references) so that receipts
   * arriving after a restart still settle their attempts; without it they live in memory only.
   */
  stateFile: z.string().min(1).optional(),
});

export type LinkConfig = z.output<typeof linkConfig>;

export class AdapterConfigError extends Error {}

/**
 * Reads an adapter's YAML or JSON config and checks it with `schema`; LIFELINE_GATEWAY_URL and
 * LIFELINE_GATEWAY_TOKEN override the router link (the conformance kit and demos set them). An
 * error names the file, the key path and what was expected.
 */
export function loadAdapterConfig<S extends z.ZodType>(file: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AdapterConfigError(`${file}: ${(e as Error).message}`);
  }
  if (raw && typeof raw === 'object' && (env.LIFELINE_GATEWAY_URL || env.LIFELINE_GATEWAY_TOKEN)) {
    const r = raw as { router?: Record<string, unknown> };
    r.router = { ...r.router, ...(env.LIFELINE_GATEWAY_URL ? { url: env.LIFELINE_GATEWAY_URL } : {}), ...(env.LIFELINE_GATEWAY_TOKEN ? { token: env.LIFELINE_GATEWAY_TOKEN } : {}) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new AdapterConfigError(describeIssues(parsed.error).map((i) => `${file}: ${i.path}: ${i.message}`).join('\n'));
  return parsed.data;
}

/**
 * Runs an adapter process: `--config FILE` (or the default), a bad config exits 2 with its message,
 * SIGTERM and SIGINT stop it cleanly (exit 0).
 */
export function runAdapter<C>(name: string, defaultConfig: string, load: (file: string) => C, start: (config: C, log: (m: string) => void) => Promise<() => Promise<void>>): void {
  const i = process.argv.indexOf('--config');
  const file = i >= 0 ? process.argv[i + 1] : defaultConfig;
  const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${name}: ${m}\n`);
  let config: C;
  try {
    config = load(file);
  } catch (e) {
    process.stderr.write(`${name}: bad config\n${(e as Error).message}\n`);
    process.exit(2);
  }
  void start(config, log).then(
    (stop) => {
      const shutdown = () => void stop().then(() => process.exit(0));
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (e) => {
      process.stderr.write(`${name}: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
