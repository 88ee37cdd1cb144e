/**
 * `validate` reports a pattern the linear-time engine refuses: an error at
 * its field and line:column, with the offset inside the pattern, once.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import { testEnv } from "./helpers.ts";

function validate(text: string) {
  return loadConfig(text, { env: testEnv(), checkFilesystem: false });
}

Deno.test("patterns: an input pattern with lookahead is an error at its position", () => {
  const text = `{
  "agents": [{
    "name": "weather",
    "kind": "task",
    "inputs": { "type": "object", "properties": {
      "city": { "type": "string", "pattern": "^(?=[A-Z])[A-Za-z ]+$" }
    } },
    "tool_call_template": { "command": "echo", "args": ["-n", "--", "\${city}"] }
  }]
}`;
  const { config, results } = validate(text);
  assert.equal(config, null);
  assert.deepEqual(results.filter((r) => r.severity !== "info"), [{
    severity: "error",
    field: "agents[0].inputs.properties.city.pattern",
    message: 'Unsupported pattern "^(?=[A-Z])[A-Za-z ]+$": lookahead "(?=" at offset 1',
    line: 6,
    column: 46,
  }], "one result: ajv's compile error is not repeated");
});

Deno.test("patterns: log_pattern with a backreference or a syntax error is an error", () => {
  const agent = (pattern: string) =>
    JSON.stringify({
      agents: [{
        name: "srv",
        readiness: { log_pattern: pattern },
        tool_call_template: { command: "sleep" },
      }],
    });
  const backref = validate(agent("(up) \\1"));
  assert.deepEqual(backref.results.map((r) => [r.severity, r.field, r.message]), [[
    "error",
    "agents[0].readiness.log_pattern",
    'Unsupported pattern "(up) \\\\1": backreference "\\\\1" at offset 5',
  ]]);
  const syntax = validate(agent("listening (on"));
  assert.deepEqual(syntax.results.map((r) => r.message), [
    'Invalid pattern "listening (on": missing closing ) at offset 10',
  ]);
  const empty = validate(agent(""));
  assert.deepEqual(empty.results.map((r) => r.severity), ["warning"]);
});

Deno.test("patterns: RE2 and JavaScript syntax both pass; values are matched linearly", () => {
  const text = JSON.stringify({
    agents: [{
      name: "t",
      kind: "task",
      inputs: {
        type: "object",
        properties: {
          text: { type: "string", pattern: "^(\\w+\\s?)*$" },
          code: { type: "string", pattern: "^\\u0041(?<n>\\d{3})$" },
        },
      },
      values: { text: "a".repeat(40) + "!", code: "A123" },
      tool_call_template: { command: "echo", args: ["t=${text}", "c=${code}"] },
    }],
  });
  const started = performance.now();
  const { results } = validate(text);
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  assert.deepEqual(results.map((r) => [r.severity, r.field]), [
    ["error", "agents[0].values.text"],
  ]);
});
