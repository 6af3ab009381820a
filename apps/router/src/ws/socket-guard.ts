import type { WebSocket } from 'ws';
import type { Principal } from '@lifeline/engine';
import type { AuthService } from '../auth/auth.service';

/** WebSocket close code for a revoked token (4000-4999 are the application's own). */
export const CLOSE_REVOKED = 4401;

/**
 * Holds an authenticated socket to its token's current state. A revoked token is cut at once:
 * the socket's work stops (`onCut`) and a close frame goes out. Frames that arrive after it (a
 * client may ignore the close frame for as long as ws waits) are dropped: every frame asks
 * `admit()` first, which also checks the token again.
 */
export function guardSocket(ws: WebSocket, p: Principal, auth: AuthService, onCut: () => void): { admit(): boolean } {
  let cut = false;
  const revocations = auth.revoked$.subscribe((id) => id === p.id && stop('token revoked'));
  function stop(reason: string): void {
    if (cut) return;
    cut = true;
    revocations.unsubscribe();
    onCut();
    if (ws.readyState === ws.OPEN) ws.close(CLOSE_REVOKED, reason);
  }
  ws.on('close', () => {
    cut = true;
    revocations.unsubscribe();
  });
  return {
    admit(): boolean {
      if (cut || ws.readyState !== ws.OPEN) return false;
      if (auth.isActive(p)) return true;
      stop('token revoked');
      return false;
    },
  };
}
