/** The parts of npm `smpp` (no published types) that Lifeline uses. */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';

  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: any;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): Pdu;
  }

  export interface Session extends EventEmitter {
    send(pdu: Pdu, onResponse?: (pdu: Pdu) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    [operation: string]: any;
  }

  export interface Server extends NetServer {}

  export function connect(options: { url: string; auto_enquire_link_period?: number }, onConnect?: () => void): Session;
  export function createServer(onSession: (session: Session) => void): Server;
  export const PDU: new (command: string, options?: Record<string, unknown>) => Pdu;
  export const encodings: Record<string, { encode(text: string): Buffer; decode(b: Buffer): string; match(text: string): boolean }>;
  export const ESME_ROK: number;
  export const ESME_RTHROTTLED: number;
  export const ESME_RMSGQFUL: number;
  export const ESME_RINVDSTADR: number;
  export const ESME_RBINDFAIL: number;
  export const ESME_RSYSERR: number;
  export const ESME_RINVBNDSTS: number;
}
