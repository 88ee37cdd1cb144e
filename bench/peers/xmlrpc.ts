/**
 * Just enough XML-RPC over HTTP/1.1 on a UNIX socket to talk to supervisord
 * the way `supervisorctl` and Python's `xmlrpc.client` do: one keep-alive
 * connection, `POST /RPC2`. Encoding and parsing are pure.
 *
 * @module
 */

import { BufferedReader } from "../measure/buffered_reader.ts";

/** An XML-RPC value as parsed. */
export type XmlRpcValue =
  | string
  | number
  | boolean
  | XmlRpcValue[]
  | { [key: string]: XmlRpcValue };

/** A `<fault>` answer. */
export class XmlRpcFault extends Error {
  readonly faultCode: number;
  constructor(faultCode: number, faultString: string) {
    super(`XML-RPC fault ${faultCode}: ${faultString}`);
    this.name = "XmlRpcFault";
    this.faultCode = faultCode;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default:
        return String.fromCodePoint(
          e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
        );
    }
  });
}

/** `<methodCall>` text for `method` with string/number/boolean params. */
export function encodeCall(method: string, params: (string | number | boolean)[] = []): string {
  const ps = params.map((p) => {
    const v = typeof p === "string"
      ? `<string>${escapeXml(p)}</string>`
      : typeof p === "boolean"
      ? `<boolean>${p ? 1 : 0}</boolean>`
      : Number.isInteger(p)
      ? `<int>${p}</int>`
      : `<double>${p}</double>`;
    return `<param><value>${v}</value></param>`;
  }).join("");
  return `<?xml version="1.0"?><methodCall><methodName>${
    escapeXml(method)
  }</methodName><params>${ps}</params></methodCall>`;
}

type Token = { tag: string; close: boolean; empty: boolean } | { text: string };

function tokenize(xml: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > i) {
      const text = xml.slice(i, textEnd);
      if (text.trim() !== "") out.push({ text });
    }
    if (lt < 0) break;
    const gt = xml.indexOf(">", lt);
    if (gt < 0) throw new SyntaxError("Cannot parse XML-RPC: unterminated tag");
    i = gt + 1;
    if (xml[lt + 1] === "?" || xml[lt + 1] === "!") continue;
    const close = xml[lt + 1] === "/";
    const empty = xml[gt - 1] === "/";
    const inner = xml.slice(close ? lt + 2 : lt + 1, empty ? gt - 1 : gt).trim();
    const space = inner.search(/\s/);
    out.push({ tag: space < 0 ? inner : inner.slice(0, space), close, empty });
  }
  return out;
}

class Parser {
  #t: Token[];
  #i = 0;
  constructor(tokens: Token[]) {
    this.#t = tokens;
  }
  #skipSpace(): void {
    while (this.#i < this.#t.length) {
      const t = this.#t[this.#i];
      if ("text" in t && t.text.trim() === "") this.#i++;
      else break;
    }
  }
  peekTag(): string | null {
    this.#skipSpace();
    const t = this.#t[this.#i];
    return t !== undefined && "tag" in t && !t.close ? t.tag : null;
  }
  open(tag: string): boolean {
    this.#skipSpace();
    const t = this.#t[this.#i];
    if (t === undefined || !("tag" in t) || t.close || t.tag !== tag) {
      throw new SyntaxError(`Cannot parse XML-RPC: expected <${tag}>`);
    }
    this.#i++;
    return t.empty;
  }
  close(tag: string): void {
    this.#skipSpace();
    const t = this.#t[this.#i];
    if (t === undefined || !("tag" in t) || !t.close || t.tag !== tag) {
      throw new SyntaxError(`Cannot parse XML-RPC: expected </${tag}>`);
    }
    this.#i++;
  }
  text(): string {
    const t = this.#t[this.#i];
    if (t !== undefined && "text" in t) {
      this.#i++;
      return unescapeXml(t.text);
    }
    return "";
  }
  value(): XmlRpcValue {
    if (this.open("value")) return "";
    const first = this.#t[this.#i];
    if (first !== undefined && "tag" in first && first.close && first.tag === "value") {
      this.#i++;
      return "";
    }
    if (first !== undefined && "text" in first) {
      const next = this.#t[this.#i + 1];
      if (next !== undefined && "tag" in next && next.close && next.tag === "value") {
        this.#i += 2;
        return unescapeXml(first.text);
      }
    }
    const type = this.peekTag();
    if (type === null) throw new SyntaxError("Cannot parse XML-RPC: empty value");
    let v: XmlRpcValue;
    if (type === "struct") {
      const obj: { [key: string]: XmlRpcValue } = {};
      if (!this.open("struct")) {
        while (this.peekTag() === "member") {
          this.open("member");
          this.open("name");
          const name = this.text();
          this.close("name");
          obj[name] = this.value();
          this.close("member");
        }
        this.close("struct");
      }
      v = obj;
    } else if (type === "array") {
      const arr: XmlRpcValue[] = [];
      this.open("array");
      if (!this.open("data")) {
        while (this.peekTag() === "value") arr.push(this.value());
        this.close("data");
      }
      this.close("array");
      v = arr;
    } else {
      const empty = this.open(type);
      const raw = empty ? "" : this.text();
      if (!empty) this.close(type);
      switch (type) {
        case "int":
        case "i4":
        case "i8":
        case "double":
          v = Number(raw);
          break;
        case "boolean":
          v = raw.trim() === "1";
          break;
        default:
          v = raw;
      }
    }
    this.close("value");
    return v;
  }
}

/** Parses a `<methodResponse>`; throws `XmlRpcFault` for a fault, `SyntaxError` if malformed. */
export function parseResponse(xml: string): XmlRpcValue {
  const p = new Parser(tokenize(xml));
  p.open("methodResponse");
  if (p.peekTag() === "fault") {
    p.open("fault");
    const f = p.value() as { faultCode?: number; faultString?: string };
    throw new XmlRpcFault(Number(f.faultCode ?? 0), String(f.faultString ?? ""));
  }
  p.open("params");
  p.open("param");
  const v = p.value();
  p.close("param");
  p.close("params");
  p.close("methodResponse");
  return v;
}

/** Status line and headers of an HTTP/1.x response head (lower-cased names). */
export interface HttpHead {
  status: number;
  headers: Record<string, string>;
}

/** Parses an HTTP response head (`HTTP/1.1 200 OK\r\nName: value\r\n…\r\n\r\n`). */
export function parseHttpHead(text: string): HttpHead {
  const lines = text.split("\r\n").filter((l) => l !== "");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (m === null) throw new SyntaxError(`Cannot parse HTTP status line "${lines[0] ?? ""}"`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const at = line.indexOf(":");
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(m[1]), headers };
}

const CRLFCRLF = new TextEncoder().encode("\r\n\r\n");

/** An XML-RPC client on one keep-alive HTTP connection over a UNIX socket. */
export class XmlRpcUnixClient {
  #path: string;
  #conn: Deno.UnixConn | null = null;
  #reader: BufferedReader | null = null;

  constructor(path: string) {
    this.#path = path;
  }

  /** Calls `method`; reconnects once if the server closed the idle connection. */
  async call(method: string, params: (string | number | boolean)[] = []): Promise<XmlRpcValue> {
    const body = new TextEncoder().encode(encodeCall(method, params));
    const head = new TextEncoder().encode(
      `POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    const request = new Uint8Array(head.length + body.length);
    request.set(head);
    request.set(body, head.length);
    for (let attempt = 0;; attempt++) {
      const fresh = this.#conn === null;
      try {
        return await this.#roundTrip(request);
      } catch (error) {
        this.close();
        if (fresh || attempt > 0 || error instanceof XmlRpcFault) throw error;
      }
    }
  }

  async #roundTrip(request: Uint8Array): Promise<XmlRpcValue> {
    if (this.#conn === null) {
      this.#conn = await Deno.connect({ transport: "unix", path: this.#path });
      this.#reader = new BufferedReader(this.#conn, { maxBytes: 64 * 1024 * 1024 });
    }
    const conn = this.#conn;
    const reader = this.#reader!;
    let off = 0;
    while (off < request.length) off += await conn.write(request.subarray(off));
    const rawHead = await reader.readUntil(CRLFCRLF);
    if (rawHead === null) throw new Error("supervisord closed the connection");
    const head = parseHttpHead(new TextDecoder().decode(rawHead));
    const length = Number(head.headers["content-length"]);
    if (!Number.isInteger(length)) throw new Error("supervisord answered without Content-Length");
    const body = await reader.readExact(length);
    if (body === null) throw new Error("supervisord closed the connection");
    if (head.headers["connection"]?.toLowerCase() === "close") this.close();
    if (head.status !== 200) throw new Error(`supervisord answered HTTP ${head.status}`);
    return parseResponse(new TextDecoder().decode(body));
  }

  /** Closes the connection (idempotent). */
  close(): void {
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    this.#conn = null;
    this.#reader = null;
  }
}
