import assert from "node:assert/strict";
import { compileSchema } from "../lib/json_schema.ts";
import { checkInputs, loadInputsValidator } from "../lib/agent/inputs.ts";
import { loadConfig } from "../lib/config/load.ts";

Deno.test("json schema: compiled once per schema text; a bad schema says why", () => {
  const a = compileSchema({ type: "object", required: ["city"] });
  assert.equal(a, compileSchema({ type: "object", required: ["city"] }));
  assert.ok(a.ok);
  assert.equal(a.validate({}), false);
  const bad = compileSchema({ type: "no-such-type" });
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.errors.length > 0);
});

Deno.test("json schema: validate time and call time judge values alike (formats not checked)", async () => {
  const inputs = {
    type: "object",
    properties: { to: { type: "string", format: "email" }, n: { type: "integer" } },
  };
  const config = (values: Record<string, unknown>) =>
    JSON.stringify({
      agents: [{
        name: "t",
        kind: "task",
        inputs,
        values,
        tool_call_template: { call_template_type: "cli", command: "true" },
      }],
    });
  await loadInputsValidator();
  for (const values of [{ to: "not-an-address", n: 1 }, { to: "a@b.c", n: 1.5 }]) {
    const atValidate = loadConfig(config(values), { checkFilesystem: false }).results
      .filter((r) => r.severity === "error").length === 0;
    const atCall = checkInputs(inputs, values).length === 0;
    assert.equal(atCall, atValidate, JSON.stringify(values));
  }
  assert.deepEqual(checkInputs(inputs, { to: "not-an-address", n: 1 }), []);
  assert.equal(checkInputs(inputs, { n: 1.5 }).length, 1);
});

Deno.test("json schema: a schema that makes ajv's meta-schema check throw does not compile", async () => {
  const { getNodeValue, parseTree } = await import("jsonc-parser");
  // jsonc-parser builds objects without a prototype; ajv's uniqueItems check of
  // `type` compares them with valueOf and throws.
  const schema = getNodeValue(parseTree('{ "type": [{ "a": 1 }, { "b": 2 }] }')!);
  const compiled = compileSchema(schema);
  assert.equal(compiled.ok, false);
  assert.ok(!compiled.ok && compiled.message.length > 0);
});
