import type { RouterFrame } from '@lifeline/contracts';

/** Frames the router sends a gateway: sends, and error frames for what it could not parse. */
export type RouterToGateway = RouterFrame;

/**
 * The gateway-link port. A transport (in-process for simulators, the `/gateway` WebSocket, later a
 * broker) wraps each connected gateway as a `GatewayConnection`, and feeds what the gateway says
 * into the `GatewayEndpoint` the router returns. Simulators and hardware use the same port.
 */
export interface GatewayConnection {
  send(frame: RouterToGateway): void;
  close(reason: string): void;
}

export interface GatewayEndpoint {
  /**
   * An untrusted frame from the gateway: parsed with the contract's schema by the router. Resolves
   * once the router handled it (frames are handled one after another, in order).
   */
  receive(frame: unknown): Promise<void>;
  /** The transport could not even read a frame (not JSON, binary): refused like a bad frame. */
  malformed(message: string): void;
  /**
   * The link ended. A drop may be a blip, and the gateway keeps what it holds for the link grace;
   * `gone` (the router cut it: a revoked token) means it is gone at once.
   */
  closed(gone?: boolean): void;
}

/** What a gateway's credentials allow: the transport authenticates, the router enforces. */
export interface GatewayAuth {
  /** The channel the token is bound to: a hello for another channel is refused. */
  channel: string;
  /** Who connected (a token id): only the same one may take over a gateway id that is online. */
  principal: string;
  /** Gateway ids the token may claim; null: any id on its channel. */
  gatewayIds: readonly string[] | null;
  /** Areas the token may claim in hello, health and coverage frames; null: any. */
  areas: readonly string[] | null;
}

export interface GatewayLink {
  open(conn: GatewayConnection, auth: GatewayAuth): GatewayEndpoint;
}

/** Connects a gateway living in this process: frames pass as plain data, through the same parse. */
export function connectInProcess(
  link: GatewayLink,
  channel: string,
  onFrame: (frame: RouterToGateway) => void,
): { send(frame: unknown): void; close(): void } {
  let open = true;
  let endpoint: GatewayEndpoint | null = null;
  endpoint = link.open(
    {
      send: (frame) => {
        if (open) onFrame(frame);
      },
      close: () => {
        if (open) {
          open = false;
          endpoint?.closed();
        }
      },
    },
    { channel, principal: 'in-process', gatewayIds: null, areas: null },
  );
  return {
    send: (frame) => {
      if (open) endpoint!.receive(frame);
    },
    close: () => {
      if (open) {
        open = false;
        endpoint!.closed();
      }
    },
  };
}
