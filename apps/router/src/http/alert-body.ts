import { RequestError } from '@lifeline/engine';

/**
 * The encodings an alert document may come in. Chinese warning systems often write GB2312 or
 * GB18030 (TextDecoder reads GB2312 as its superset GBK); anything else is refused by name.
 */
const READ = new Set(['utf-8', 'gbk', 'gb18030', 'big5']);

/** The encoding an XML declaration names (it is ASCII in every encoding read here), or null. */
function declared(body: Buffer): string | null {
  const head = body.subarray(0, 200).toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
  return /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/.exec(head)?.[1] ?? null;
}

const charsetOf = (contentType: string | undefined) => /;\s*charset\s*=\s*"?([A-Za-z0-9._-]{1,40})"?/i.exec(contentType ?? '')?.[1] ?? null;

/** The label as TextDecoder names it (gb2312 is gbk), or null when it reads no such encoding. */
function normal(label: string): string | null {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return null;
  }
}

const refuse = (message: string): never => {
  throw new RequestError('invalid', message, [{ path: 'body', message, code: 'invalid' }]);
};

/**
 * An alert's bytes as text, in the encoding the request's charset or the document's XML
 * declaration names (UTF-8 when neither does). A body that is not valid in it is refused, never
 * read with replacement characters: a garbled instruction must not go out to the public.
 */
export function decodeAlertBody(body: Buffer, contentType: string | undefined): string {
  const fromHeader = charsetOf(contentType);
  const fromDocument = declared(body);
  if (fromHeader && fromDocument && normal(fromHeader) !== normal(fromDocument)) refuse(`the request says charset=${fromHeader} but the document declares encoding="${fromDocument}"`);
  const label = fromHeader ?? fromDocument ?? 'utf-8';
  const encoding = normal(label);
  // TextDecoder reads US-ASCII and Latin-1 as windows-1252: taken for a body that is ASCII.
  if (encoding === 'windows-1252' && body.every((b) => b < 0x80)) return body.toString('latin1');
  if (!encoding || !READ.has(encoding)) return refuse(`encoding ${label} is not read here: send UTF-8, GB2312, GBK, GB18030 or Big5`);
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return refuse(`the body is not valid ${label}`);
  }
}
