/**
 * `orchestrator validate` and `orchestrator schema` as real subprocesses
 * through cli.ts: exit codes 0/1/2, --json, --strict, usage errors.
 */

import assert from "node:assert/strict";
import { ROOT } from "./helpers.ts";
import { cli, type CliRun } from "../cli/_orchestrator.ts";

function run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return cli(args, { env, cwd: ROOT.pathname });
}

async function withFile(text: string, fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "orch-cfg-" });
  try {
    const path = `${dir}/config.jsonc`;
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("validate: the example config exits 0", async () => {
  const r = await run(["validate", "config.example.jsonc"], { ORCHESTRATOR_SOCKET_PATH: "" });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^0 errors, 0 warnings, 0 info$/m);
});

Deno.test("validate: errors exit 1 and print aligned lines", async () => {
  await withFile(
    '{\n  "max_workers": 0,\n  "agents": [{"name": "a", "tool_call_template": {"command": "slep"}}]\n}',
    async (path) => {
      const r = await run(["validate", path]);
      assert.equal(r.code, 1);
      const lines = r.stdout.trim().split("\n");
      assert.match(
        lines[0],
        new RegExp(`^error    max_workers\\s+${path}:2:18\\s+Value 0 must be at least 1$`),
      );
      assert.match(
        lines[1],
        /^warning {2}agents\[0\]\.tool_call_template\.command .*did you mean "sleep"\?$/,
      );
      assert.equal(lines[2], "1 error, 1 warning, 0 info");
    },
  );
});

Deno.test("validate: --strict turns warnings into exit 1", async () => {
  await withFile('{"max_workers": 1, "max_workers": 2}', async (path) => { // duplicate key: a warning
    assert.equal((await run(["validate", path])).code, 0);
    assert.equal((await run(["validate", "--strict", path])).code, 1);
  });
});

Deno.test("validate: --json prints file, results and summary", async () => {
  await withFile('{"max_workers": 0}', async (path) => {
    const r = await run(["validate", path, "--json"]);
    assert.equal(r.code, 1);
    const body = JSON.parse(r.stdout);
    assert.equal(body.file, path);
    assert.equal(body.valid, false);
    assert.deepEqual(body.summary, { errors: 1, warnings: 0, info: 0 });
    assert.deepEqual(body.results, [{
      severity: "error",
      field: "max_workers",
      message: "Value 0 must be at least 1",
      line: 1,
      column: 17,
    }]);
  });
});

Deno.test("validate: unparseable exits 2, unreadable exits 2", async () => {
  await withFile('{"a": }', async (path) => {
    const r = await run(["validate", path]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /JSONC syntax error: Value expected/);
  });
  const missing = await run(["validate", "/nonexistent/config.jsonc"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read config "\/nonexistent\/config.jsonc": no such file/);
  const json = await run(["validate", "/nonexistent/config.jsonc", "--json"]);
  assert.equal(json.code, 2);
  assert.equal(JSON.parse(json.stdout).results[0].severity, "error");
});

Deno.test("validate: usage errors exit 2", async () => {
  assert.equal((await run(["validate"])).code, 2);
  const bad = await run(["validate", "--bogus", "x.jsonc"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bogus/);
  const help = await run(["validate", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--strict/);
});

Deno.test("schema: prints the JSON Schema", async () => {
  const r = await run(["schema"]);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout);
  assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
  assert.ok(schema.properties.command_socket_path);
  assert.equal((await run(["schema", "extra"])).code, 2);
});
