import assert from "node:assert/strict";
import { compilePattern, describePatternError, linearPattern } from "../lib/pattern.ts";
import { compileSchema } from "../lib/json_schema.ts";

/** The pattern that froze the daemon for seconds on a backtracking engine. */
const CATASTROPHIC = "^(\\w+\\s?)*$";

Deno.test("pattern: a catastrophic pattern runs in linear time", () => {
  const p = linearPattern(CATASTROPHIC);
  const started = performance.now();
  assert.equal(p.test("a".repeat(40) + "!"), false);
  assert.equal(p.test("a".repeat(100_000) + "!"), false);
  assert.equal(p.test("hello world"), true);
  // A backtracking engine needs hours for the first text; this takes milliseconds.
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
});

Deno.test("pattern: JavaScript syntax keeps its meaning", () => {
  const cases: [string, string, boolean][] = [
    ["^[A-Za-z ]+$", "Paris", true],
    ["^[A-Za-z ]+$", "Paris; rm", false],
    ["listening on \\d+", "now listening on 8080", true],
    ["^\\u0041+$", "AAA", true],
    ["^\\u{1F600}$", "😀", true],
    ["^(?<word>\\w+)$", "abc", true],
    ["^a\\/b$", "a/b", true],
    ["^[^]$", "\n", true],
    ["^\\cJ$", "\n", true],
    ["^$", "", true],
    ["a$", "a\n", false],
  ];
  for (const [source, text, expected] of cases) {
    const p = linearPattern(source);
    assert.equal(p.test(text), expected, `${source} on ${JSON.stringify(text)}`);
    assert.equal(new RegExp(source, "u").test(text), expected, `JS agrees on ${source}`);
  }
});

Deno.test("pattern: lookaround and backreferences are refused with their offset", () => {
  const cases: [string, string, number][] = [
    ["a(?=b)", 'lookahead "(?="', 1],
    ["ab(?!c)", 'negative lookahead "(?!"', 2],
    ["x(?<=a)b", 'lookbehind "(?<="', 1],
    ["(?<!a)b", 'negative lookbehind "(?<!"', 0],
    ["(a)\\1", 'backreference "\\\\1"', 3],
    ["(?<n>a)\\k<n>", 'named backreference "\\\\k<"', 7],
  ];
  for (const [source, message, offset] of cases) {
    const c = compilePattern(source);
    assert.deepEqual(c, { ok: false, unsupported: true, message, offset }, source);
  }
  assert.ok(compilePattern("[(?=]\\d").ok, "inside a class (?= is three characters");
});

Deno.test("pattern: syntax errors say what and where", () => {
  const cases: [string, RegExp, number][] = [
    ["listening (on", /^missing closing \)$/, 10],
    ["[z-a]", /^invalid character class range "z-a"$/, 1],
    ["ab**", /^invalid nested repetition operator "\*\*"$/, 2],
    ["x\\", /^trailing backslash/, 1],
    ["a{2,1001}", /^invalid repeat count "\{2,1001\}"$/, 1],
  ];
  for (const [source, message, offset] of cases) {
    const c = compilePattern(source);
    assert.ok(!c.ok, source);
    assert.equal(c.unsupported, false, source);
    assert.match(c.message, message, source);
    assert.equal(c.offset, offset, source);
  }
});

Deno.test("pattern: the refusal message names the pattern (shortened) and the offset", () => {
  const c = compilePattern("a(?=b)");
  assert.ok(!c.ok);
  assert.equal(
    describePatternError("a(?=b)", c),
    'Unsupported pattern "a(?=b)": lookahead "(?=" at offset 1',
  );
  const long = "x".repeat(100) + "(";
  const bad = compilePattern(long);
  assert.ok(!bad.ok);
  assert.equal(
    describePatternError(long, bad),
    `Invalid pattern "${"x".repeat(60)}…": missing closing ) at offset 100`,
  );
  assert.throws(() => linearPattern("a(?=b)"), /^Error: Unsupported pattern "a\(\?=b\)"/);
});

Deno.test("json schema: pattern and patternProperties run on the linear-time engine", () => {
  const compiled = compileSchema({
    type: "object",
    properties: { text: { type: "string", pattern: CATASTROPHIC } },
    patternProperties: { "^(\\w+\\s?)*$": { type: "string" } },
  });
  assert.ok(compiled.ok);
  const started = performance.now();
  const hostile = "a".repeat(40) + "!";
  assert.equal(compiled.validate({ text: hostile }), false);
  assert.equal(compiled.validate({ [hostile]: 1 }), true, "the key does not match: not checked");
  assert.equal(
    compiled.validate({ "two words": 1 }),
    false,
    "the key matches: value must be a string",
  );
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  const other = compileSchema({ type: "string", pattern: "^b" });
  assert.ok(other.ok && other.validate("bc") && !other.validate("ab"), "patterns are not mixed up");
  const refused = compileSchema({ type: "string", pattern: "a(?=b)" });
  assert.ok(!refused.ok);
  assert.match(refused.message, /Unsupported pattern "a\(\?=b\)": lookahead/);
});
