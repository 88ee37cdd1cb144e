import assert from "node:assert/strict";
import { resolveTemplate, shellText, type TemplateSources } from "../../lib/agent/template.ts";
import type { CliCallTemplate } from "../../lib/config/types.ts";

function tpl(over: Partial<CliCallTemplate>): CliCallTemplate {
  return {
    call_template_type: "cli",
    command: "echo",
    args: [],
    working_directory: null,
    environment: {},
    timeout: null,
    shell: false,
    capture_output: true,
    ...over,
  };
}

const env: Record<string, string> = { HOME: "/root", CITY: "env-city", TOKEN: "t0k" };
const sources = (over: Partial<TemplateSources> = {}): TemplateSources => ({
  values: { city: "Paris", n: 3 },
  env: (n) => env[n],
  ...over,
});

Deno.test("resolveTemplate: inputs, then values, then environment", () => {
  const r = resolveTemplate(
    tpl({ args: ["${city}", "${n}", "${CITY}"], environment: { T: "${TOKEN}" } }),
    sources({ inputs: { city: "Lyon" } }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.value.args, ["Lyon", "3", "env-city"]);
  assert.deepEqual(r.value.env, { T: "t0k" });
  const v = resolveTemplate(tpl({ args: ["${city}"] }), sources());
  assert.ok(v.ok);
  assert.deepEqual(v.value.args, ["Paris"]);
});

Deno.test("resolveTemplate: one argument stays one argument", () => {
  const r = resolveTemplate(
    tpl({ args: ["--q=${city} x", "${city}"] }),
    sources({ inputs: { city: "a b; c" } }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.value.args, ["--q=a b; c x", "a b; c"]);
});

Deno.test("resolveTemplate: an unresolved name fails with every missing name", () => {
  const r = resolveTemplate(
    tpl({ args: ["${nope}"], working_directory: "/tmp/${dir}" }),
    sources(),
  );
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /Unresolved placeholders "\$\{nope\}", "\$\{dir\}"/);
});

Deno.test("resolveTemplate: a NUL byte in a value fails clearly", () => {
  const r = resolveTemplate(tpl({ args: ["${x}"] }), sources({ inputs: { x: "a\0b" } }));
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /argument 1 to the process: it contains a NUL byte/);
  const e = resolveTemplate(tpl({ environment: { V: "${x}" } }), sources({ inputs: { x: "\0" } }));
  assert.equal(e.ok, false);
  const s = resolveTemplate(
    tpl({ shell: true, command: "echo ${x}" }),
    sources({ inputs: { x: "\0" } }),
  );
  assert.equal(s.ok, false);
});

Deno.test("resolveTemplate: $${ writes a literal ${", () => {
  const r = resolveTemplate(tpl({ args: ["$${city}"] }), sources());
  assert.ok(r.ok);
  assert.deepEqual(r.value.args, ["${city}"]);
});

Deno.test("resolveTemplate shell: values travel in the environment, args as $@", () => {
  const r = resolveTemplate(
    tpl({ shell: true, command: "echo ${city} | tr a-z A-Z", args: ["${city}"] }),
    sources({ inputs: { city: "$(touch pwned)" } }),
    "web",
  );
  assert.ok(r.ok);
  assert.equal(r.value.command, "/bin/sh");
  assert.deepEqual(r.value.args, [
    "-c",
    'echo "${ORCH_VALUE_city}" | tr a-z A-Z "$@"',
    "web",
    "$(touch pwned)",
  ]);
  assert.equal(r.value.env.ORCH_VALUE_city, "$(touch pwned)");
  assert.ok(!r.value.args[1].includes("touch"), "the value is never in the shell text");
});

Deno.test("shellText quotes each reference for its spot", () => {
  const look = (n: string) => ({ a: "1", "b.c": "2" } as Record<string, string>)[n];
  assert.equal(shellText("x ${a} y", look).text, 'x "${ORCH_VALUE_a}" y');
  assert.equal(shellText('x "pre ${a} post"', look).text, 'x "pre ${ORCH_VALUE_a} post"');
  assert.equal(shellText("x 'pre ${a} post'", look).text, `x 'pre '"\${ORCH_VALUE_a}"' post'`);
  assert.equal(shellText("x \\'${a}", look).text, `x \\'"\${ORCH_VALUE_a}"`);
  const dotted = shellText("${b.c}", look);
  assert.equal(dotted.text, '"${ORCH_VALUE_b_c}"');
  assert.equal(dotted.vars.get("ORCH_VALUE_b_c"), "2");
});
