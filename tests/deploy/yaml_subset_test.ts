import assert from "node:assert/strict";
import { parseYamlSubset } from "./_yaml_subset.ts";

Deno.test("parseYamlSubset: block mappings and sequences, item mappings, scalars, JSON flow values, comments", () => {
  const text = [
    "# a comment",
    "kind: Pod  # trailing comment",
    "spec:",
    "  n: 30",
    "  enabled: true",
    "  none: null",
    "  items:",
    "    - name: a",
    '      value: "x # not a comment"',
    "    - plain",
    "    -",
    '      nested: ["a", "b"]',
    "  empty: {}",
  ].join("\n");
  assert.deepEqual(parseYamlSubset(text), {
    kind: "Pod",
    spec: {
      n: 30,
      enabled: true,
      none: null,
      items: [{ name: "a", value: "x # not a comment" }, "plain", { nested: ["a", "b"] }],
      empty: {},
    },
  });
});

Deno.test("parseYamlSubset: what it does not understand is an error with the line, never a guess", () => {
  for (
    const [text, message] of [
      ["a: &anchor 1", /Line 1: unsupported YAML construct/],
      ["a: |\n  text", /Line 1: unsupported YAML construct/],
      ["a: 'single'", /Line 1: unsupported YAML construct/],
      ["a: 1.5", /Line 1: ambiguous plain scalar/],
      ["a: yes", /Line 1: ambiguous plain scalar/],
      ["a:\n- x", /Line 2: a sequence at its key's indent/],
      ["a: 1\na: 2", /Line 2: duplicate key "a"/],
      ["a:\n\tb: 1", /Line 2: tab/],
      ["a: 1\n  b: 2", /Line 2: unexpected indentation/],
      ["a: [1, 2", /Line 1: not JSON-compatible/],
    ] as const
  ) {
    assert.throws(() => parseYamlSubset(text), message, text);
  }
});
