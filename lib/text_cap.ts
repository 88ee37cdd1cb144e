/**
 * Caps on echoed values (docs/protocol.md, "Limits"): whatever a client
 * sent — an agent name, an option key, a request's `args` — and a message,
 * an audit line, a log line or an event quotes back. A value over the cap
 * keeps its first bytes (whole characters) and ends with a visible marker
 * saying how much was left out, so one request can never turn into a
 * multi-megabyte line.
 *
 * Pure and dependency-free: the core, the control plane and the config
 * layer all import it.
 *
 * @module
 */

/** Most UTF-8 bytes of one echoed value kept before the marker. */
export const ECHO_MAX_BYTES = 256;

/** Most UTF-8 bytes of a whole message quoted in an audit line (the `error=` field). */
export const MESSAGE_MAX_BYTES = 1024;

/** Most items of one echoed list kept (the `args` of a command event). */
export const ECHO_MAX_ITEMS = 16;

/**
 * `value` when its UTF-8 form has at most `maxBytes` bytes; else its
 * longest prefix of whole characters within `maxBytes`, followed by
 * `…(N more bytes)`, N being the UTF-8 bytes left out.
 *
 * @example
 * ```ts
 * capText("web"); // "web"
 * capText("x".repeat(1_048_576)); // "xxx…x…(1048320 more bytes)" (256 x's)
 * ```
 */
export function capText(value: string, maxBytes: number = ECHO_MAX_BYTES): string {
  if (value.length * 3 <= maxBytes) return value; // no UTF-16 unit takes more than 3 bytes
  let bytes = 0;
  let i = 0;
  while (i < value.length) {
    const units = pairAt(value, i) ? 2 : 1;
    const size = units === 2 ? 4 : unitBytes(value.charCodeAt(i));
    if (bytes + size > maxBytes) return `${value.slice(0, i)}…(${utf8Bytes(value, i)} more bytes)`;
    bytes += size;
    i += units;
  }
  return value;
}

/**
 * `values` when it has at most `maxItems` items, none over the cap (the same
 * array, not a copy); else a copy with each item capped ({@linkcode capText})
 * and, past `maxItems`, one last item `…(N more)`.
 *
 * @example
 * ```ts
 * capList(["web"]); // ["web"]
 * capList(Array(20).fill("a")); // 16 × "a", then "…(4 more)"
 * ```
 */
export function capList(
  values: readonly string[],
  options: { maxItems?: number; maxBytes?: number } = {},
): readonly string[] {
  const maxItems = options.maxItems ?? ECHO_MAX_ITEMS;
  const maxBytes = options.maxBytes ?? ECHO_MAX_BYTES;
  if (values.length <= maxItems && values.every((v) => v.length * 3 <= maxBytes)) return values;
  const kept = values.slice(0, maxItems).map((v) => capText(v, maxBytes));
  if (values.length > maxItems) kept.push(`…(${values.length - maxItems} more)`);
  return kept;
}

/** True when a surrogate pair starts at `i`. */
function pairAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) return false;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** UTF-8 bytes of one UTF-16 unit that is not part of a pair (a lone surrogate becomes U+FFFD: 3). */
function unitBytes(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
}

/** UTF-8 bytes of `text` from index `from` on, as `TextEncoder` would write them. */
function utf8Bytes(text: string, from: number): number {
  let bytes = 0;
  for (let i = from; i < text.length; i++) {
    if (pairAt(text, i)) {
      bytes += 4;
      i++;
    } else {
      bytes += unitBytes(text.charCodeAt(i));
    }
  }
  return bytes;
}
