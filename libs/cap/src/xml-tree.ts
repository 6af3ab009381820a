import { SaxesParser, type SaxesTagNS } from 'saxes';

/** One element of a document read by `readXml`: its namespace, local name, attributes, children and text. */
export interface XmlElement {
  uri: string;
  name: string;
  /** By qualified name (`xsi:schemaLocation`), namespace declarations left out. */
  attributes: Record<string, string>;
  /** Each attribute's namespace by its qualified name ('' for none). */
  attributeNs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside the element (CDATA included), as written. */
  text: string;
  line: number;
}

export interface XmlLimits {
  /** UTF-16 units, checked before parsing. */
  maxLength: number;
  maxDepth: number;
  maxElements: number;
  /** Characters of any one attribute value or text node. */
  maxValue: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxLength: 1_000_000, maxDepth: 32, maxElements: 20_000, maxValue: 100_000 };

/** A document refused: not well-formed, or using what a warning message never needs. */
export class XmlRefused extends Error {
  constructor(message: string, readonly line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/**
 * Reads untrusted XML into a tree, strictly (saxes: a conforming, non-validating parser that never
 * fetches anything). No document type declaration is accepted at all, so no entity can be
 * declared: external entities (XXE) and entity expansion bombs have nothing to stand on; only
 * XML's five predefined entities and character references are read. Size, depth, element count
 * and value lengths are bounded, and nesting is kept on an explicit stack, so no input can
 * exhaust memory or the call stack.
 */
export function readXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  if (text.length > limits.maxLength) throw new XmlRefused(`the document is ${text.length} characters, at most ${limits.maxLength}`);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  const refuse = (message: string): never => {
    throw new XmlRefused(message, parser.line);
  };
  parser.on('error', (e) => refuse(e.message.replace(/^(\S+:)?\d+:\d+: /, '')));
  parser.on('doctype', () => refuse('a document type declaration (<!DOCTYPE) is not accepted: entities and external references are refused'));
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (++elements > limits.maxElements) refuse(`more than ${limits.maxElements} elements`);
    if (stack.length >= limits.maxDepth) refuse(`elements nested deeper than ${limits.maxDepth}`);
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    const attributeNs: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const a of Object.values(tag.attributes)) {
      if (a.value.length > limits.maxValue) refuse(`attribute ${a.name} is longer than ${limits.maxValue} characters`);
      if (a.prefix !== 'xmlns' && a.name !== 'xmlns') (attributes[a.name] = a.value), (attributeNs[a.name] = a.uri);
    }
    const el: XmlElement = { uri: tag.uri, name: tag.local, attributes, attributeNs, children: [], text: '', line: parser.line };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  const addText = (t: string) => {
    const el = stack[stack.length - 1];
    if (!el) return; // whitespace around the root element
    if (el.text.length + t.length > limits.maxValue) refuse(`the text of <${el.name}> is longer than ${limits.maxValue} characters`);
    el.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => void stack.pop());
  parser.write(text).close();
  if (!root) throw new XmlRefused('the document has no root element');
  return root;
}
