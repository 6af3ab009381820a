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
  /** An untrusted frame from the gateway: parsed with the contract's schema by the router. */
  receive(frame: unknown): void;
  /** The transport could not even read a frame (not JSON, binary): refused like a bad frame. */
  malformed(message: string): void;
  closed(): void;
}

export interface GatewayLink {
  /** `channel` is what the gateway's token is bound to; a hello for another channel is refused. */
  open(conn: GatewayConnection, auth: { channel: string; name: string }): GatewayEndpoint;
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
    { channel, name: `sim-${channel}` },
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
