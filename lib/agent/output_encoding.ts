/**
 * A program's output bytes as a JSON string, losslessly (docs/protocol.md,
 * `call`): UTF-8 text when the bytes are valid UTF-8, else base64. Pure.
 *
 * @module
 */

/** How a UTCP result's `stdout` / `stderr` string holds the bytes. */
export type OutputEncoding = "utf-8" | "base64";

/** Bytes as a string plus how to get the bytes back. */
export interface EncodedOutput {
  text: string;
  encoding: OutputEncoding;
}

/** Strict: a byte-order mark is kept as a character, bad UTF-8 throws. */
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes output bytes. When `truncated` (older bytes were dropped, so the
 * first kept byte may sit inside a character), up to 3 leading continuation
 * bytes are dropped too if that makes the rest valid UTF-8.
 *
 * @example
 * ```ts
 * encodeOutput(new Uint8Array([0x61, 0x0a]), false); // { text: "a\n", encoding: "utf-8" }
 * encodeOutput(new Uint8Array([0xff, 0xfe]), false); // { text: "//4=", encoding: "base64" }
 * ```
 */
export function encodeOutput(bytes: Uint8Array, truncated: boolean): EncodedOutput {
  const text = utf8(bytes);
  if (text !== null) return { text, encoding: "utf-8" };
  if (truncated) {
    let start = 0;
    while (start < 3 && start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
    const rest = start > 0 ? utf8(bytes.subarray(start)) : null;
    if (rest !== null) return { text: rest, encoding: "utf-8" };
  }
  return { text: bytes.toBase64(), encoding: "base64" };
}

/** The bytes of an encoded output (the inverse of {@link encodeOutput}). */
export function decodeOutput(text: string, encoding: OutputEncoding | undefined): Uint8Array {
  return encoding === "base64" ? Uint8Array.fromBase64(text) : new TextEncoder().encode(text);
}

function utf8(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}
