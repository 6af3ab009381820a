import { reportIsFor } from './tiantong-adapter';

describe('a status report under a reference that wrapped round', () => {
  it('is not applied to an older send to someone else: it is the newer send’s, not yet named', () => {
    expect(reportIsFor({ to: '17400000001' }, '17400000002')).toBe(false);
    expect(reportIsFor({ to: '17400000001' }, '17400000001')).toBe(true);
    expect(reportIsFor(undefined, '17400000001')).toBe(true); // nothing known: held for the send that names it
    expect(reportIsFor({}, '17400000002')).toBe(true); // kept by an earlier version, without its recipient
    expect(reportIsFor({ to: '17400000001' }, null)).toBe(true);
  });
});
