import { AttemptLedger } from './attempt-ledger';

describe('AttemptLedger', () => {
  it('admits a new attempt once; a repeat while pending transmits nothing', () => {
    const l = new AttemptLedger(2);
    expect(l.admit('a:1')).toEqual({ kind: 'new' });
    expect(l.admit('a:1')).toEqual({ kind: 'pending' });
    expect(l.pending).toBe(1);
  });

  it('refuses past the window and frees a slot on accepted or failed', () => {
    const l = new AttemptLedger(2);
    l.admit('a:1');
    l.admit('b:1');
    expect(l.admit('c:1')).toEqual({ kind: 'over-window' });
    l.accept('a:1');
    expect(l.admit('c:1')).toEqual({ kind: 'new' });
    l.fail('b:1', false, 'busy');
    expect(l.pending).toBe(1);
  });

  it.each([
    ['accept', ['accepted']],
    ['deliver', ['accepted', 'delivered']],
    ['fail', ['failed']],
  ] as const)('%s on a pending attempt emits %j', (op, types) => {
    const l = new AttemptLedger(4);
    l.admit('a:1');
    const frames = op === 'fail' ? l.fail('a:1', true, 'invalid number') : l[op]('a:1');
    expect(frames.map((f) => f.type)).toEqual(types);
  });

  it('says a receipt for an attempt it never handed out (sent before a restart), accepted first, and remembers it', () => {
    const l = new AttemptLedger(4);
    expect(l.deliver('old:1')).toEqual([{ type: 'accepted', attemptId: 'old:1' }, { type: 'delivered', attemptId: 'old:1' }]);
    expect(l.fail('old:2', true, 'UNDELIV')).toEqual([{ type: 'failed', attemptId: 'old:2', permanent: true, reason: 'UNDELIV' }]);
    expect(l.admit('old:1')).toEqual({ kind: 'known', frames: [{ type: 'accepted', attemptId: 'old:1' }, { type: 'delivered', attemptId: 'old:1' }] });
    expect(l.pending).toBe(0);
  });

  it('says nothing after a final answer, nor accepts attempts it never saw', () => {
    const l = new AttemptLedger(4);
    l.admit('a:1');
    l.deliver('a:1');
    expect(l.fail('a:1', false, 'late')).toEqual([]);
    expect(l.deliver('a:1')).toEqual([]);
    expect(l.accept('zz:1')).toEqual([]);
    l.admit('b:1');
    l.fail('b:1', false, 'busy');
    expect(l.deliver('b:1')).toEqual([]);
  });

  it('answers a repeat of a settled attempt with its known outcome', () => {
    const l = new AttemptLedger(4);
    l.admit('a:1');
    l.deliver('a:1');
    expect(l.admit('a:1')).toEqual({ kind: 'known', frames: [{ type: 'accepted', attemptId: 'a:1' }, { type: 'delivered', attemptId: 'a:1' }] });
    l.admit('b:1');
    l.fail('b:1', true, 'invalid number');
    expect(l.admit('b:1')).toEqual({ kind: 'known', frames: [{ type: 'failed', attemptId: 'b:1', permanent: true, reason: 'invalid number' }] });
  });

  it('forgets the oldest settled attempts past its memory, never pending ones', () => {
    const l = new AttemptLedger(10, 3);
    l.admit('p:1');
    for (const id of ['a:1', 'b:1', 'c:1']) {
      l.admit(id);
      l.accept(id);
    }
    expect(l.phase('p:1')).toBe('pending');
    expect(l.phase('a:1')).toBeUndefined();
    expect(l.phase('c:1')).toBe('accepted');
  });
});
