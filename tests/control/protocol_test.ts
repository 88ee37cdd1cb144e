import assert from "node:assert/strict";
import {
  decodeStrict,
  errorResponse,
  isResponse,
  parseRequest,
  successJson,
  validateRequest,
} from "../../lib/control/protocol.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("protocol: a full request is accepted with defaults for args and options", () => {
  assert.deepEqual(validateRequest({ command: "ps" }), {
    ok: true,
    request: { command: "ps", args: [], options: {} },
  });
  const full = validateRequest({
    command: "history",
    args: [],
    options: { limit: 5 },
    id: 7,
    client: { uid: 1000, user: "ann", pid: 42 },
  });
  assert.deepEqual(full, {
    ok: true,
    request: {
      command: "history",
      args: [],
      options: { limit: 5 },
      id: 7,
      client: { uid: 1000, user: "ann", pid: 42 },
    },
  });
});

Deno.test("protocol: bad shapes are rejected with a message and the id when readable", () => {
  const cases: [unknown, RegExp][] = [
    [[], /JSON object/],
    ["ps", /JSON object/],
    [{}, /"command"/],
    [{ command: "" }, /"command"/],
    [{ command: 5 }, /"command"/],
    [{ command: "ps", args: "web" }, /"args"/],
    [{ command: "ps", args: [1] }, /"args"/],
    [{ command: "ps", options: [] }, /"options"/],
    [{ command: "ps", options: null }, /"options"/],
    [{ command: "ps", id: { a: 1 } }, /"id"/],
    [{ command: "ps", client: { uid: -1 } }, /"client.uid"/],
    [{ command: "x".repeat(65) }, /64/],
  ];
  for (const [value, pattern] of cases) {
    const out = validateRequest(value);
    assert.equal(out.ok, false, JSON.stringify(value));
    if (!out.ok) assert.match(out.message, pattern);
  }
  const withId = validateRequest({ command: 1, id: "abc" });
  assert.deepEqual(withId, {
    ok: false,
    message: '"command" must be a non-empty string',
    id: "abc",
  });
});

Deno.test("protocol: parseRequest rejects bad UTF-8 and bad JSON", () => {
  const badUtf8 = parseRequest(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
  assert.equal(badUtf8.ok, false);
  if (!badUtf8.ok) assert.match(badUtf8.message, /UTF-8/);
  const badJson = parseRequest(bytes('{"command": "ps"'));
  assert.equal(badJson.ok, false);
  if (!badJson.ok) assert.match(badJson.message, /^Invalid request: /);
  assert.equal(parseRequest(bytes('{"command":"ps","id":null}')).ok, true);
});

Deno.test("protocol: responses carry the id only when given", () => {
  assert.equal(successJson('{"a":1}'), '{"status":"success","data":{"a":1}}');
  assert.deepEqual(JSON.parse(successJson("[1]", 'x"y')), {
    status: "success",
    data: [1],
    id: 'x"y',
  });
  assert.deepEqual(errorResponse(403, "no", 3), { status: "error", code: 403, error: "no", id: 3 });
  assert.equal(isResponse({ status: "success", data: null }), true);
  assert.equal(isResponse({ status: "error", code: 400, error: "x" }), true);
  assert.equal(isResponse({ status: "error", code: "400" }), false);
  assert.equal(isResponse([]), false);
});

Deno.test("protocol: decodeStrict equals a fatal TextDecoder on ASCII, UTF-8 and bad bytes", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const reference = (b: Uint8Array) => {
    try {
      return fatal.decode(b);
    } catch {
      return null;
    }
  };
  const long = "x".repeat(300);
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    bytes('{"command":"ps"}'),
    bytes('{"command":"ps","args":["\u0000\t"],"id":null}'),
    new Uint8Array([0, 1, 0x7f, 0x20]),
    bytes('{"command":"stätus"}'),
    bytes(`{"command":"${long}"}`),
    bytes(`{"command":"${long}é"}`),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM kept
    new Uint8Array([0x7b, 0xff, 0x7d]), // invalid
    new Uint8Array([0x7b, 0xc3]), // truncated sequence
    new Uint8Array([0xed, 0xa0, 0x80]), // surrogate
  ];
  for (const b of cases) assert.equal(decodeStrict(b), reference(b));
  assert.equal(decodeStrict(new Uint8Array([0x7b, 0xff, 0x7d])), null);
  assert.deepEqual(parseRequest(new Uint8Array([0x7b, 0xff, 0x7d])), {
    ok: false,
    message: "Invalid request: payload is not valid UTF-8",
  });
});
