import { RequestError } from '@lifeline/engine';
import { decodeAlertBody } from './alert-body';

const gbk = (text: string) => {
  // 山洪 in GBK; the rest is ASCII
  const parts = text.split('山洪');
  return Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from([0xc9, 0xbd, 0xba, 0xe9]), Buffer.from(p)] : [Buffer.from(p)])));
};
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof RequestError ? e.message : `not a RequestError: ${String(e)}`;
  }
  return 'accepted';
};

describe('an alert body, as bytes', () => {
  it('reads UTF-8 by default, with or without a BOM', () => {
    expect(decodeAlertBody(Buffer.from('<alert>山洪</alert>'), 'application/cap+xml')).toBe('<alert>山洪</alert>');
    expect(decodeAlertBody(Buffer.from('\ufeff<alert>山洪</alert>'), undefined)).toBe('<alert>山洪</alert>');
  });

  it('reads GB2312 named by the XML declaration alone, or by the charset', () => {
    const doc = '<?xml version="1.0" encoding="GB2312"?><alert>山洪</alert>';
    expect(decodeAlertBody(gbk(doc), 'application/cap+xml')).toBe(doc);
    expect(decodeAlertBody(gbk('<alert>山洪</alert>'), 'application/cap+xml; charset=gb18030')).toBe('<alert>山洪</alert>');
  });

  it('reads a body declared US-ASCII that is ASCII', () => {
    expect(decodeAlertBody(Buffer.from('<?xml version="1.0" encoding="US-ASCII"?><a/>'), 'application/cap+xml; charset=us-ascii')).toBe('<?xml version="1.0" encoding="US-ASCII"?><a/>');
  });

  it('refuses bytes that are not valid in the encoding, rather than read them garbled', () => {
    expect(refusal(() => decodeAlertBody(gbk('<alert>山洪</alert>'), 'application/cap+xml'))).toBe('the body is not valid utf-8');
  });

  it('refuses a charset and a declaration that disagree, and an encoding it does not read, by name', () => {
    expect(refusal(() => decodeAlertBody(gbk('<?xml version="1.0" encoding="GB2312"?><a/>'), 'application/cap+xml; charset=utf-8'))).toMatch(/charset=utf-8 but the document declares encoding="GB2312"/);
    expect(refusal(() => decodeAlertBody(Buffer.from('<?xml version="1.0" encoding="EBCDIC-XX"?><a/>'), undefined))).toMatch(/encoding EBCDIC-XX is not read here/);
  });
});
