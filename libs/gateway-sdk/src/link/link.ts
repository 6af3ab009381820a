/** What a transport of the gateway link tells the gateway client. */
export interface LinkEvents {
  /** The router took the link: say hello. */
  opened(): void;
  /** A frame from the router, as text (the client parses it). */
  frame(text: string): void;
  /**
   * The link is gone. `unsent` are frames written to it that the router may not have taken: the
   * client says them again on the next link (the router drops what it already has).
   */
  closed(unsent: string[]): void;
  log(message: string): void;
}

/** One link to the router, over whichever transport its URL names. */
export interface Link {
  send(text: string): void;
  /** Closes it; `closed` is not called for a close the client asked for. */
  close(): Promise<void>;
  /** Ends it as a network fault would: `closed` follows (tests of what a blip does). */
  drop(): void;
}
