import { csvField, csvLine } from './csv';

describe('CSV fields', () => {
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvLine(['a', 'b,c', 'say "收到"', 'two\nlines', null, 3])).toBe('a,"b,c","say ""收到""","two\nlines",,3\r\n');
  });

  it('keeps a spreadsheet from running a field as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+86 138')).toBe("'+86 138");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField(-1)).toBe('-1'); // numbers are numbers
    expect(csvField('张三')).toBe('张三');
  });
});
