import { BoundedMap } from './bounded-map';

describe('BoundedMap', () => {
  it('forgets its oldest entries past its bound, and keeps an entry set again at its age', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...m]).toEqual([['b', 2], ['c', 4]]);
    m.delete('b');
    m.set('b', 5).set('d', 6);
    expect([...m.keys()]).toEqual(['b', 'd']);
  });
});
