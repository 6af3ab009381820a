import { OrderProgress } from './order-progress';

describe('OrderProgress', () => {
  it('counts reached once through an escalation, answers, and finals by whether an answer was asked', () => {
    const p = new OrderProgress(0, true);
    p.add('a', 'sending', 1);
    p.add('a', 'sent', 2);
    p.add('a', 'delivered', 3);
    p.add('b', 'delivered', 3);
    p.add('a', 'sending', 4); // escalated to the next channel: still reached
    p.add('a', 'acknowledged', 5);
    p.add('b', 'unanswered', 9);
    p.add('c', 'expired', 9);
    expect(p.points()).toEqual([
      { at: 0, reached: 0, acknowledged: 0, final: 0 },
      { at: 3, reached: 2, acknowledged: 0, final: 0 },
      { at: 5, reached: 2, acknowledged: 1, final: 1 },
      { at: 9, reached: 2, acknowledged: 1, final: 3 },
    ]);
    const noAnswer = new OrderProgress(0, false);
    noAnswer.add('a', 'delivered', 2);
    expect(noAnswer.points().at(-1)).toEqual({ at: 2, reached: 1, acknowledged: 0, final: 1 });
  });

  it('thins a long timeline to at most the points asked for, keeping the first and the last', () => {
    const p = new OrderProgress(0, false);
    for (let i = 1; i <= 10_000; i++) p.add(`d${i}`, 'delivered', i);
    const pts = p.points(200);
    expect(pts).toHaveLength(200);
    expect(pts[0].at).toBe(0);
    expect(pts[199]).toEqual({ at: 10_000, reached: 10_000, acknowledged: 0, final: 10_000 });
    expect(pts.every((x, i) => i === 0 || x.at > pts[i - 1].at)).toBe(true);
  });
});
