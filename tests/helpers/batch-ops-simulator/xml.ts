// The small part of XML that S3 Control's REST-XML protocol uses, for the batch-ops simulator:
// elements, attributes (only ever xmlns), text with the five named entities and numeric character
// references, CDATA, comments and the declaration. No DTDs, no mixed content: the simulator only has
// to read what @aws-sdk/client-s3-control writes and write what it reads.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's text, decoded; "" for an element that only holds other elements. */
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(`[batch-ops simulator] malformed XML: ${message}`);
    this.name = "XmlSyntaxError";
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = NAMED_ENTITIES[ref];
    if (named === undefined) throw new XmlSyntaxError(`unknown entity ${whole}`);
    return named;
  });
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Parses one document and returns its root element. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at offset ${at}`);
  };

  const skipMisc = () => {
    for (;;) {
      while (at < source.length && /\s/.test(source[at]!)) at++;
      if (source.startsWith("<?", at)) {
        const end = source.indexOf("?>", at);
        if (end < 0) fail("unterminated processing instruction");
        at = end + 2;
      } else if (source.startsWith("<!--", at)) {
        const end = source.indexOf("-->", at);
        if (end < 0) fail("unterminated comment");
        at = end + 3;
      } else return;
    }
  };

  const readElement = (): XmlElement => {
    if (source[at] !== "<") fail("expected '<'");
    const head = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
      source.slice(at),
    );
    if (!head) return fail("malformed start tag");
    const [whole, name, attrText, selfClosing] = head as unknown as [string, string, string, string];
    at += whole.length;
    const attributes: Record<string, string> = {};
    for (const m of attrText.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attributes[m[1]!] = decodeEntities(m[2] ?? m[3] ?? "");
    }
    const element: XmlElement = { name, attributes, children: [], text: "" };
    if (selfClosing) return element;
    let text = "";
    for (;;) {
      if (at >= source.length) fail(`unterminated element <${name}>`);
      if (source.startsWith("</", at)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(source.slice(at));
        if (!close || close[1] !== name) fail(`expected </${name}>`);
        at += close![0].length;
        element.text = element.children.length > 0 && text.trim() === "" ? "" : text;
        return element;
      }
      if (source.startsWith("<![CDATA[", at)) {
        const end = source.indexOf("]]>", at);
        if (end < 0) fail("unterminated CDATA");
        text += source.slice(at + 9, end);
        at = end + 3;
      } else if (source.startsWith("<!--", at)) {
        const end = source.indexOf("-->", at);
        if (end < 0) fail("unterminated comment");
        at = end + 3;
      } else if (source[at] === "<") {
        element.children.push(readElement());
      } else {
        const next = source.indexOf("<", at);
        if (next < 0) fail(`unterminated element <${name}>`);
        text += decodeEntities(source.slice(at, next));
        at = next;
      }
    }
  };

  skipMisc();
  const root = readElement();
  skipMisc();
  if (at !== source.length) fail("content after the root element");
  return root;
}

/** The first child element with that name, if any. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** Writes an element back out; used to echo the request's Operation, Manifest and Report. */
export function serializeXml(element: XmlElement): string {
  const attrs = Object.entries(element.attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join("");
  const inner =
    element.children.length > 0 ? element.children.map(serializeXml).join("") : escapeXml(element.text);
  return `<${element.name}${attrs}>${inner}</${element.name}>`;
}

/** Builds an element from a plain description: strings become text, arrays become children. */
export function el(name: string, content: string | XmlElement[] = ""): XmlElement {
  return typeof content === "string"
    ? { name, attributes: {}, children: [], text: content }
    : { name, attributes: {}, children: content, text: "" };
}
