import { fitText, measureText, type ChannelSpec, type OrderSpec, type TextMeasure } from '@lifeline/domain';
import type { Storage } from '@lifeline/store';
import type { Orders } from './orders';
import type { Principal } from './principal';

/** A ref of the usual length, for the preview: the real one is drawn when the order is accepted. */
export const SAMPLE_REF = 'A7K2';

export interface OrderPreviewResult {
  ref: string;
  reach: { people: number; areas: { area: string; people: number }[] };
  texts: ({ channel: string; kind: string; text: string; truncated: boolean } & TextMeasure)[];
}

/**
 * What an order would do, before it is sent: whom it reaches (checked against the token's areas
 * exactly as sending is) and the text each channel would carry. Reads only; writes nothing.
 */
export class OrderPreview {
  constructor(
    private readonly store: Storage,
    private readonly orders: Orders,
    private readonly channels: readonly ChannelSpec[],
  ) {}

  async preview(p: Principal, spec: OrderSpec): Promise<OrderPreviewResult> {
    const { reach } = await this.orders.targets(p, spec.to);
    const byArea = await this.store.read.orders.reachByArea(spec.to, reach);
    const areas = [...byArea].map(([area, people]) => ({ area, people })).sort((a, b) => (a.area < b.area ? -1 : 1));
    const order = { ref: SAMPLE_REF, body: spec.body, summary: spec.summary, ackRequired: spec.ackRequired };
    return {
      ref: SAMPLE_REF,
      reach: { people: areas.reduce((n, a) => n + a.people, 0), areas },
      texts: this.channels.map((c) => {
        const fitted = fitText(c.text, c.narrowband, order);
        return { channel: c.id, kind: c.kind, text: fitted.text, truncated: fitted.truncated, ...measureText(c.text, fitted.text) };
      }),
    };
  }
}
