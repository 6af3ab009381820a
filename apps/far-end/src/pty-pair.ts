import { spawn } from 'node:child_process';

/**
 * A pseudo-terminal pair from socat (Debian's `socat`): what one end writes the other reads, as on
 * a serial cable. The adapter opens one end, a far-end simulator the other.
 */
export async function ptyPair(): Promise<{ a: string; b: string; stop: () => Promise<void> }> {
  const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const paths: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (d) => {
      seen += String(d);
      for (const m of seen.matchAll(/PTY is (\S+)/g)) if (!paths.includes(m[1])) paths.push(m[1]);
      if (paths.length === 2 && seen.includes('starting data transfer')) resolve();
    });
    child.once('error', (e) => reject(new Error(`socat: ${e.message} (apt-get install socat)`)));
    child.once('exit', (code) => reject(new Error(`socat exited with ${code}: ${seen.trim()}`)));
  });
  return {
    a: paths[0],
    b: paths[1],
    stop: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM')))),
  };
}
