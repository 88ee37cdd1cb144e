/**
 * Unit tests of the pure pieces: permissions, suggestions, positions,
 * nesting guard, schema sync, formatting, and the loader's model.
 */

import assert from "node:assert/strict";
import { formatMode, parsePermissions } from "../../lib/config/permissions.ts";
import { editDistance, suggest } from "../../lib/suggest.ts";
import { MAX_DEPTH, parseJsonc } from "../../lib/config/jsonc.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";
import { ORCHESTRATOR_DEFAULTS } from "../../lib/config/defaults.ts";
import { formatResults } from "../../lib/config/format.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { parseHostPort } from "../../lib/config/rules/agents.ts";
import { testEnv } from "./helpers.ts";

Deno.test("permissions: octal strings are accepted", () => {
  assert.deepEqual(parsePermissions("0600"), { ok: true, mode: 0o600 });
  assert.deepEqual(parsePermissions("0o660"), { ok: true, mode: 0o660 });
  assert.deepEqual(parsePermissions("644"), { ok: true, mode: 0o644 });
  assert.equal(parsePermissions("0800").ok, false);
  assert.equal(parsePermissions("4755").ok, false);
});

Deno.test("permissions: decimal that looks octal is an error with a hint", () => {
  assert.deepEqual(parsePermissions(660), {
    ok: false,
    message: 'Permissions 660 is a decimal number (JSON has no octal): did you mean "0660"?',
    hint: "0660",
  });
  assert.equal(parsePermissions(400).ok, false);
  assert.equal(parsePermissions(600).ok, false);
});

Deno.test("permissions: integer modes that cannot be octal typos are accepted", () => {
  assert.deepEqual(parsePermissions(384), { ok: true, mode: 0o600 });
  assert.deepEqual(parsePermissions(438), { ok: true, mode: 0o666 });
  assert.equal(parsePermissions(432).ok, false, "432 (= 0o660) looks like an octal typo");
  assert.equal(parsePermissions(999).ok, false);
  assert.equal(parsePermissions(-1).ok, false);
  assert.equal(parsePermissions(6.5).ok, false);
  assert.equal(formatMode(0o640), "0640");
});

Deno.test("suggest: close typos only", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("ab", "ba"), 1);
  assert.equal(suggest("comand_timeout", ["command_timeout", "max_workers"]), "command_timeout");
  assert.equal(suggest("MAX_WORKERS", ["max_workers"]), "max_workers");
  assert.equal(suggest("zebra", ["command_timeout", "max_workers"]), undefined);
  assert.equal(suggest("x".repeat(100), ["x".repeat(99)]), undefined);
});

Deno.test("jsonc: positions are 1-based line:column of the node", () => {
  const { root, lines, errors } = parseJsonc('// c\n{\n  "a":\t[1, 2,],\n}\n');
  assert.deepEqual(errors, []);
  const value = root?.children?.[0].children?.[1];
  assert.deepEqual(lines.position(value!.offset), { line: 3, column: 8 });
});

Deno.test("jsonc: syntax errors carry line:column, BOM ignored", () => {
  const { root, errors } = parseJsonc('\ufeff{\n  "a": 1\n  "b": 2\n}');
  assert.equal(root, undefined);
  assert.equal(errors[0].line, 3);
  assert.equal(errors[0].column, 3);
  assert.match(errors[0].message, /Comma expected/);
});

Deno.test("jsonc: nesting deeper than MAX_DEPTH is one error, without recursion", () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const { root, errors } = parseJsonc(deep);
  assert.equal(root, undefined);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /Nesting deeper than 64/);
  assert.equal(errors[0].column, MAX_DEPTH + 1);
  const ok = "[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH);
  assert.notEqual(parseJsonc(ok).root, undefined);
});

Deno.test("schema: every orchestrator default is a schema property with that default", () => {
  const props = CONFIG_SCHEMA.properties as Record<string, { default?: unknown }>;
  for (const [key, value] of Object.entries(ORCHESTRATOR_DEFAULTS)) {
    assert.ok(Object.hasOwn(props, key), `${key} missing from CONFIG_SCHEMA`);
    if (key === "command_socket_permissions") continue;
    assert.deepEqual(props[key].default, value, key);
  }
  assert.ok(Object.hasOwn(props, "agents"));
});

Deno.test("schema: it is a valid draft-07 schema that accepts the example config", async () => {
  const { Ajv } = await import("ajv");
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(CONFIG_SCHEMA);
  const { parse } = await import("jsonc-parser");
  const text = await Deno.readTextFile(new URL("../../config.example.jsonc", import.meta.url));
  assert.equal(validate(parse(text)), true, JSON.stringify(validate.errors));
  assert.equal(validate({ max_workers: "3" }), false);
});

Deno.test("format: aligned columns and a summary", () => {
  const text = formatResults([
    {
      severity: "error",
      field: "agents[1].tool_call_template.command",
      message: "Bad",
      line: 14,
      column: 18,
    },
    { severity: "warning", field: "x", message: "Hmm\nnext", line: 2, column: 3 },
  ], "config.jsonc");
  assert.equal(
    text,
    [
      "error    agents[1].tool_call_template.command  config.jsonc:14:18  Bad",
      "warning  x                                     config.jsonc:2:3    Hmm\\u000anext",
      "1 error, 1 warning, 0 info",
    ].join("\n"),
  );
  const colored = formatResults(
    [{ severity: "info", field: "", message: "m", line: 1, column: 1 }],
    "f",
    { color: true },
  );
  assert.ok(colored.startsWith("\x1b[36minfo"), colored);
});

Deno.test("load: defaults, {user} and ORCHESTRATOR_SOCKET_PATH", () => {
  const text = JSON.stringify({
    command_socket_path: "/tmp/o-{user}.sock",
    command_socket_permissions: 384,
    agents: [{ name: "t", kind: "task", tool_call_template: { command: "sleep" } }],
  });
  const a = loadConfig(text, { env: testEnv(), user: "ann", checkFilesystem: false });
  assert.equal(a.config?.command_socket_path, "/tmp/o-ann.sock");
  assert.equal(a.config?.command_socket_permissions, 0o600);
  assert.equal(a.config?.max_workers, 10);
  assert.equal(a.config?.agents[0].tool_call_template.timeout, 30);
  assert.equal(a.config?.agents[0].restart, "no");
  const b = loadConfig(text, {
    env: testEnv({ ORCHESTRATOR_SOCKET_PATH: "/run/x-{user}.sock" }),
    user: "bob",
    checkFilesystem: false,
  });
  assert.equal(b.config?.command_socket_path, "/run/x-bob.sock");
});

Deno.test("load: unknown keys are errors with a suggestion, and the config is refused", () => {
  const { config, results } = loadConfig(
    '{"autostrat": false, "colour": 1, "agent": [], "agents": [{"name": "a", "tool_call_template": {"command": "sleep"}, "autostrat": false, "args": [], "backoff": {"inital": 1}}]}',
    { env: testEnv(), checkFilesystem: false },
  );
  assert.equal(config, null);
  assert.deepEqual(results.map((r) => [r.severity, r.field, r.message]), [
    ["error", "autostrat", 'Unknown key "autostrat"'],
    ["error", "colour", 'Unknown key "colour"'],
    ["error", "agent", 'Unknown key "agent": did you mean "agents"?'],
    ["error", "agents[0].autostrat", 'Unknown key "autostrat": did you mean "autostart"?'],
    ["error", "agents[0].args", 'Unknown key "args": it belongs in "tool_call_template"'],
    ["error", "agents[0].backoff.inital", 'Unknown key "inital": did you mean "initial"?'],
  ]);
});

Deno.test("load: $schema is dropped from the model, __proto__ stays data", () => {
  const { config, results } = loadConfig(
    '{"$schema": "./schema.json", "agents": [{"name": "a", "tool_call_template": {"command": "sleep", "environment": {"__proto__": "x"}}, "backoff": {"initial": 1}}]}',
    { env: testEnv(), checkFilesystem: false },
  );
  assert.deepEqual(results, []);
  assert.ok(config !== null);
  assert.equal("$schema" in config, false);
  assert.deepEqual(Object.keys(config.agents[0].backoff).sort(), [
    "factor",
    "initial",
    "max",
    "reset_after",
  ]);
  assert.equal(
    Object.getOwnPropertyDescriptor(config.agents[0].tool_call_template.environment, "__proto__")
      ?.value,
    "x",
  );
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

Deno.test("load: results are sorted by line, then column", () => {
  const { results } = loadConfig(
    '{\n"max_workers": 0, "event_retention": 0,\n"command_timeout": -1}',
    {
      env: testEnv(),
      checkFilesystem: false,
    },
  );
  const positions = results.map((r) => [r.line, r.column]);
  assert.deepEqual(positions, [[2, 16], [2, 38], [3, 20]]);
});

Deno.test("load: hostile values never throw", () => {
  const hostile = [
    "null",
    "42",
    '"x"',
    "[]",
    "{}",
    '{"agents": {}}',
    '{"agents": [null, 1, [], "x"]}',
    '{"agents": [{"name": {}, "tool_call_template": []}]}',
    `{"command_socket_path": "${"a".repeat(1_000_000)}", "enable_command_interface": true}`,
    '{"agents": [{"name": "a", "inputs": {"type": "object", "properties": {"p": {"pattern": "(("}}}, "values": {"p": "x"}, "tool_call_template": {"command": "sleep"}}]}',
    '{"agents": [{"name": "a", "inputs": {"$ref": "#/nowhere"}, "tool_call_template": {"command": "sleep"}}]}',
  ];
  for (const text of hostile) {
    const r = loadConfig(text, { env: testEnv(), checkFilesystem: true });
    assert.ok(Array.isArray(r.results));
  }
});

Deno.test("host:port parsing", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:8080"), { hostname: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseHostPort("[::1]:80"), { hostname: "::1", port: 80 });
  assert.equal(parseHostPort("localhost"), undefined);
  assert.equal(parseHostPort("h:0"), undefined);
});

Deno.test("load: 200,000 unknown keys stay bounded (results capped)", () => {
  const text = JSON.stringify(
    Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i])),
  );
  const { results, config } = loadConfig(text, { env: testEnv(), checkFilesystem: false });
  assert.equal(results.length, 10_001);
  assert.match(results[0].message, /Too many problems: 190000 more not shown/);
  assert.equal(results[0].severity, "error");
  assert.equal(config, null);
});

Deno.test("output_buffer_bytes: warned when a base64 logs/call answer of both streams passes the shared buffer bound", () => {
  const warned = (keep: number, buffered?: number) =>
    loadConfig(
      JSON.stringify({
        output_buffer_bytes: keep,
        ...(buffered === undefined ? {} : { command_max_buffered_bytes: buffered }),
      }),
      { env: testEnv(), checkFilesystem: false },
    ).results.filter((r) => r.field === "output_buffer_bytes").map((r) => r.severity);
  assert.deepEqual(warned(393_216, 1_048_576), [], "2 × 393,216 × 4/3 = exactly the bound");
  assert.deepEqual(warned(393_217, 1_048_576), ["warning"]);
  assert.deepEqual(warned(ORCHESTRATOR_DEFAULTS.output_buffer_bytes), [], "the defaults fit");
  assert.deepEqual(warned(30 * 1024 * 1024), ["warning"], "against the default 64 MiB bound");
});
