import { concatUdh, readReceipt, receiptOutcome } from './smpp-pdu';

describe('SMPP receipts', () => {
  it.each([
    [2, 'delivered', undefined],
    [3, 'failed', false],
    [5, 'failed', false],
    [8, 'failed', true],
    [1, 'pending', undefined],
    [6, 'pending', undefined],
    [undefined, 'pending', undefined],
  ])('message_state %p settles as %s (permanent %p)', (state, kind, permanent) => {
    const o = receiptOutcome(state);
    expect(o.kind).toBe(kind);
    if (o.kind === 'failed') expect(o.permanent).toBe(permanent);
  });

  it('prefers the TLVs and falls back to the receipt text', () => {
    const text = 'id:0A1B sub:001 dlvrd:001 submit date:2611230800 done date:2611230801 stat:UNDELIV err:001 Text:...';
    expect(readReceipt('FF', 2, text)).toEqual({ messageId: 'FF', state: 2 });
    expect(readReceipt(undefined, undefined, text)).toEqual({ messageId: '0A1B', state: 5 });
    expect(readReceipt(undefined, undefined, 'hello')).toEqual({ messageId: null, state: undefined });
  });

  it('builds the 6-byte concatenation header', () => {
    expect([...concatUdh(0x1a2, 3, 2)]).toEqual([5, 0, 3, 0xa2, 3, 2]);
  });
});
