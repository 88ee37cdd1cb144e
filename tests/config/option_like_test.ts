/**
 * A placeholder that forms a whole argument may be read as an option
 * (`path = "--version"`): info unless `--` comes first, the template runs
 * through a shell, or the input's schema rules out a leading `-`.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import {
  patternExcludesLeadingDash,
  schemaExcludesLeadingDash,
} from "../../lib/config/rules/leading_dash.ts";
import { linearPattern } from "../../lib/pattern.ts";
import { testEnv } from "./helpers.ts";

const MESSAGE = 'Value of "${path}" forms a whole argument and may be read as an option ' +
  '(e.g. "--version"): put "--" before it or give the input a pattern that rules out a leading "-"';

/** Fields of the option-like infos for a task with `args` and `path` declared as `schema`. */
function optionLike(
  args: string[],
  schema: unknown = { type: "string" },
  template: Record<string, unknown> = {},
): string[] {
  const config = {
    agents: [{
      name: "ls",
      kind: "task",
      inputs: { type: "object", properties: { path: schema } },
      tool_call_template: { command: "ls", args, ...template },
    }],
  };
  const { results } = loadConfig(JSON.stringify(config), {
    env: testEnv(),
    checkFilesystem: false,
  });
  return results.filter((r) => r.message.includes("may be read as an option")).map((r) => {
    assert.equal(r.severity, "info");
    assert.equal(r.message, MESSAGE);
    return r.field;
  });
}

Deno.test('option-like: "${path}" as a whole argument is reported', () => {
  assert.deepEqual(optionLike(["-la", "${path}"]), ["agents[0].tool_call_template.args[1]"]);
  assert.deepEqual(optionLike(["${path}", "${path}"]), [
    "agents[0].tool_call_template.args[0]",
    "agents[0].tool_call_template.args[1]",
  ]);
  assert.deepEqual(optionLike(["${path}"], undefined), ["agents[0].tool_call_template.args[0]"]);
});

Deno.test('option-like: not after "--", not inside a longer argument, not with shell: true', () => {
  assert.deepEqual(optionLike(["-la", "--", "${path}"]), []);
  assert.deepEqual(optionLike(["--path=${path}", "./${path}", "$${path}"]), []);
  assert.deepEqual(optionLike(["${path}"], { type: "string" }, { shell: true }), []);
});

Deno.test("option-like: a schema that rules out a leading '-' silences it", () => {
  const silent = [
    { type: "string", pattern: "^[A-Za-z ]+$" },
    { type: "string", pattern: "^\\d+$" },
    { type: "string", pattern: "^/" },
    { type: "integer", minimum: 0 },
    { type: "number", exclusiveMinimum: 0 },
    { type: "boolean" },
    { enum: ["fast", "slow", 3] },
    { const: "x" },
  ];
  for (const schema of silent) {
    assert.deepEqual(optionLike(["${path}"], schema), [], JSON.stringify(schema));
  }
  const loud = [
    { type: "string" },
    { type: "string", pattern: "^[a-z-]+$" },
    { pattern: "^[a-z]+$" }, // a number is not checked against pattern: -1 passes
    { type: "integer" },
    { type: "integer", minimum: -5 },
    { enum: ["fast", "-x"] },
    { const: -1 },
  ];
  for (const schema of loud) {
    assert.deepEqual(optionLike(["${path}"], schema).length, 1, JSON.stringify(schema));
  }
});

Deno.test("leading dash: only patterns that certainly exclude '-' first", () => {
  const excludes = [
    "^[A-Za-z ]+$",
    "^\\d+$",
    "^\\w",
    "^[\\w.]+$",
    "^a",
    "^a{1,3}",
    "^/srv/",
    "^\\.",
    "^[^-]",
    "^é",
    "^[a-z](x|-)",
  ];
  const unsure = [
    "[a-z]+", // not anchored
    "^[a-z-]+$",
    "^[!-/]", // the range holds "-"
    "^[a\\-z]",
    "^[\\d-z]",
    "^[\\W]",
    "^\\D",
    "^\\-",
    "^\\u002d", // an escape of "-"
    "^[\\x2d]",
    "^[[:punct:]]",
    "^a?",
    "^a*b",
    "^a{0,2}b",
    "^[^a]",
    "^[^]",
    "^.",
    "^(a)",
    "^a|-", // the second branch is not anchored
    "^-",
    "^",
    "",
  ];
  for (const p of excludes) assert.equal(patternExcludesLeadingDash(p), true, p);
  for (const p of unsure) assert.equal(patternExcludesLeadingDash(p), false, p);
  // The claim holds where it is made: no excluding pattern matches a leading "-".
  for (const p of excludes) {
    for (const text of ["-", "--version", "-a", "-1"]) {
      assert.equal(linearPattern(p).test(text), false, `${p} on ${text}`);
    }
  }
});

Deno.test("leading dash: schemas", () => {
  assert.equal(schemaExcludesLeadingDash(true), false);
  assert.equal(schemaExcludesLeadingDash(null), false);
  assert.equal(schemaExcludesLeadingDash({ type: ["string"], pattern: "^a" }), false);
  assert.equal(schemaExcludesLeadingDash({ type: "string", pattern: "^a" }), true);
  assert.equal(schemaExcludesLeadingDash({ enum: [true, null, { a: 1 }] }), true);
});
