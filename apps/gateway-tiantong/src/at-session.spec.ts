
import { VirtualClock } from '@lifeline/clock';
import { AtSession } from './at-session';

function session() {
  const written: string[] = [];
  const unsolicited: [string, string | null][] = [];
  const clock = new VirtualClock();
  const at = new AtSession({ write: (t) => written.push(t), close: async () => {} }, clock, (c, p) => unsolicited.push([c, p]));
  return { at, written, unsolicited, clock };
}

describe('AtSession', () => {
  it('never puts a second command on the line before the first has its final result', async () => {
    const { at, written } = session();
    const first = at.command('AT+CSQ');
    const second = at.command('AT+CREG?');
    expect(written).toEqual(['AT+CSQ\r']);
    at.receive('+CSQ: 18,99');
    at.receive('OK');
    await expect(first).resolves.toEqual({ ok: true, final: 'OK', lines: ['+CSQ: 18,99'] });
    expect(written).toEqual(['AT+CSQ\r', 'AT+CREG?\r']);
    at.receive('+CMS ERROR: 42');
    await expect(second).resolves.toMatchObject({ ok: false, final: '+CMS ERROR: 42' });
  });

  it('sends a PDU once after the prompt, even when the prompt is reported twice', async () => {
    const { at, written } = session();
    const p = at.command('AT+CMGS=20', { payload: '0011' });
    at.receive('> ');
    at.receive('> ');
    at.receive('+CMGS: 7');
    at.receive('OK');
    await expect(p).resolves.toMatchObject({ ok: true, lines: ['+CMGS: 7'] });
    expect(written).toEqual(['AT+CMGS=20\r', '0011\x1a']);
  });

  it("does not take a timed-out send's late answer for the next send's: no success before the prompt", async () => {
    const { at, written, clock } = session();
    const a = at.command('AT+CMGS=20', { payload: 'AAAA', timeoutMs: 1_000 }).catch((e: Error) => e.message);
    const b = at.command('AT+CMGS=21', { payload: 'BBBB', timeoutMs: 1_000 });
    let bSettled = false;
    void b.then(() => (bSettled = true), () => (bSettled = true));
    await clock.advance(1_000);
    expect(await a).toMatch(/no answer/);
    expect(written).toEqual(['AT+CMGS=20\r', '\x1b', 'AT+CMGS=21\r']); // ESC ends A's PDU input
    at.receive('+CMGS: 7'); // A's answer, late
    at.receive('OK');
    await Promise.resolve();
    expect(bSettled).toBe(false);
    at.receive('> ');
    at.receive('+CMGS: 8');
    at.receive('OK');
    await expect(b).resolves.toEqual({ ok: true, final: 'OK', lines: ['+CMGS: 8'] });
    expect(written).toEqual(['AT+CMGS=20\r', '\x1b', 'AT+CMGS=21\r', 'BBBB\x1a']);
  });

  it("tells what the command on the line has said so far (a send's +CMGS before its OK)", async () => {
    const { at } = session();
    const p = at.command('AT+CMGS=20', { payload: '0011' });
    at.receive('> ');
    at.receive('+CMGS: 7');
    expect(at.linesSoFar).toEqual(['+CMGS: 7']);
    at.receive('OK');
    await p;
    expect(at.linesSoFar).toEqual([]);
  });

  it('does not take the next line for the PDU of +CDS when it is none: the OK still ends the command', async () => {
    const { at, unsolicited } = session();
    const p = at.command('AT+CSQ');
    at.receive('+CSQ: 18,99');
    at.receive('+CDS: 25');
    at.receive('OK');
    await expect(p).resolves.toEqual({ ok: true, final: 'OK', lines: ['+CSQ: 18,99'] });
    expect(unsolicited).toEqual([['+CDS: 25', null]]);
  });

  it('routes unsolicited codes arriving mid-command, with the PDU line after +CDS', async () => {
    const { at, unsolicited } = session();
    const p = at.command('AT+CSQ');
    at.receive('+CMTI: "SM",3');
    at.receive('+CDS: 25');
    at.receive('0006050D91');
    at.receive('OK');
    await expect(p).resolves.toMatchObject({ ok: true, lines: [] });
    expect(unsolicited).toEqual([['+CMTI: "SM",3', null], ['+CDS: 25', '0006050D91']]);
  });

  it('times a silent command out and goes on with the next', async () => {
    const { at, written, clock } = session();
    const stuck = at.command('AT+CMGR=1', { timeoutMs: 1_000 });
    const next = at.command('AT+CSQ');
    const timedOut = expect(stuck).rejects.toThrow(/no answer in 1000 ms/);
    await clock.advance(1_000);
    await timedOut;
    expect(written).toEqual(['AT+CMGR=1\r', 'AT+CSQ\r']);
    at.receive('OK');
    await expect(next).resolves.toMatchObject({ ok: true });
  });

  it('fails the command on the line at once when the modem restarts, and says so', async () => {
    const { at, written, unsolicited } = session();
    const lost = at.command('AT+CMGS=20', { payload: '0011' });
    const next = at.command('AT+CSQ');
    at.receive('RDY');
    await expect(lost).rejects.toThrow(/the modem restarted \(RDY\)/);
    expect(written).toEqual(['AT+CMGS=20\r', 'AT+CSQ\r']);
    at.receive('+CPIN: READY');
    expect(unsolicited).toEqual([['RDY', null], ['+CPIN: READY', null]]);
    at.receive('AT+CSQ'); // echo is on again after a restart
    at.receive('+CSQ: 18,99');
    at.receive('OK');
    await expect(next).resolves.toEqual({ ok: true, final: 'OK', lines: ['+CSQ: 18,99'] });
  });

  it('after a restart, reads an answer only after its echo: the answer to a command the restarted modem took late is not the next one\'s', async () => {
    const { at } = session();
    const lost = at.command('AT+CREG?').catch((e: Error) => e.message); // written, then the modem restarts and takes it anyway
    at.receive('RDY');
    expect(await lost).toMatch(/restarted/);
    const ate0 = at.command('ATE0');
    const cmgl = at.command('AT+CMGL=4');
    for (const l of ['AT+CREG?', '+CREG: 0,1', 'OK']) at.receive(l); // the late answer, its echo first
    for (const l of ['ATE0', 'OK']) at.receive(l);
    await expect(ate0).resolves.toEqual({ ok: true, final: 'OK', lines: [] });
    for (const l of ['+CMGL: 1,0,,25', '0791', 'OK']) at.receive(l); // echo off now: answers as they come
    await expect(cmgl).resolves.toEqual({ ok: true, final: 'OK', lines: ['+CMGL: 1,0,,25', '0791'] });
  });

  it('after a restart, a modem that does not echo (echo off in its saved profile) costs one timeout, not every command', async () => {
    const { at, clock } = session();
    at.receive('RDY');
    const first = at.command('ATE0', { timeoutMs: 1_000 }).catch((e: Error) => e.message);
    at.receive('OK'); // no echo: taken for a late answer
    await clock.advance(1_000);
    expect(await first).toMatch(/no answer/);
    const again = at.command('ATE0');
    at.receive('OK');
    await expect(again).resolves.toMatchObject({ ok: true });
  });
});
