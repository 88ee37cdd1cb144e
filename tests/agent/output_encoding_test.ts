import assert from "node:assert/strict";
import { decodeOutput, encodeOutput } from "../../lib/agent/output_encoding.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("encodeOutput: valid UTF-8 as text, exactly (\\r, BOM, no newline added)", () => {
  for (const text of ["abc", "a\r\nb", "\ufeffbom", "é ✓ 😀", "", "\0nul"]) {
    assert.deepEqual(encodeOutput(enc(text), false), { text, encoding: "utf-8" });
  }
});

Deno.test("encodeOutput: bytes that are not UTF-8 go as base64 and come back exactly", () => {
  const cases = [bytes(0xff, 0xfe), bytes(0x61, 0xc3), bytes(0xed, 0xa0, 0x80), bytes(0x80)];
  for (const b of cases) {
    const out = encodeOutput(b, false);
    assert.equal(out.encoding, "base64");
    assert.deepEqual(decodeOutput(out.text, out.encoding), b);
  }
  assert.deepEqual(encodeOutput(bytes(0xff, 0xfe), false), { text: "//4=", encoding: "base64" });
  assert.deepEqual(decodeOutput("é\n", "utf-8"), enc("é\n"));
});

Deno.test("encodeOutput: a truncated start inside a character is dropped, not base64", () => {
  const e = enc("é and more");
  assert.deepEqual(encodeOutput(e.subarray(1), true), { text: " and more", encoding: "utf-8" });
  assert.equal(encodeOutput(e.subarray(1), false).encoding, "base64");
  const binary = bytes(0x80, 0x80, 0xff);
  assert.equal(encodeOutput(binary, true).encoding, "base64");
  assert.deepEqual(decodeOutput(encodeOutput(binary, true).text, "base64"), binary);
});
