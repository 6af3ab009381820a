import { spawn, type ChildProcess } from 'node:child_process';

/** A router started as a process of its own from the build (`dist/`). */
export interface RouterProcess {
  proc: ChildProcess;
  /** Where it serves its port: as the router, or as a standby waiting for the writer lease. */
  url: string;
  /** Its URL once it serves as the router (a standby: once it took over). */
  listening: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built router with `env` over this process's environment (PORT 0 and loopback unless
 * given) and resolves once it serves its port; rejects, with its output, if it exits first.
 */
export function spawnRouter(env: Record<string, string>, o: { stdout?: 'ignore' | 'inherit'; onStderr?: (chunk: Buffer) => void; onSpawn?: (proc: ChildProcess) => void } = {}): Promise<RouterProcess> {
  const proc = spawn(process.execPath, ['--max-semi-space-size=64', 'dist/apps/router/src/main.js'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', o.stdout ?? 'ignore', 'pipe'],
  });
  o.onSpawn?.(proc);
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const failed = exited.then(({ code, signal }) => Promise.reject(new Error(`router exited with ${code ?? signal} before listening:\n${err}`)));
  failed.catch(() => undefined);
  let serve!: (url: string) => void;
  let listen!: (url: string) => void;
  const serving = new Promise<string>((r) => (serve = r));
  const listening = new Promise<string>((r, reject) => {
    listen = r;
    failed.catch(reject);
  });
  listening.catch(() => undefined);
  let listened = false;
  proc.stderr!.on('data', (d: Buffer) => {
    o.onStderr?.(d);
    if (listened) return; // its output is kept for an error until it listens, not for its life
    err += String(d);
    const m = /(listening|standby|follower) on (http:\/\/[\d.]+:\d+)/.exec(err);
    if (m) serve(m[2]);
    const l = /listening on (http:\/\/[\d.]+:\d+)/.exec(err);
    if (l) {
      listened = true;
      listen(l[1]);
    }
  });
  return Promise.race([serving, failed]).then((url) => ({ proc, url, exited, listening }));
}
