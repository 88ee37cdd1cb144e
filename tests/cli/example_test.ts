import assert from "node:assert/strict";
import { cli } from "./_orchestrator.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";

Deno.test("cli: example prints the example config, which validates with zero results", async () => {
  const run = await cli(["example"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    await Deno.readTextFile(new URL("../../config.example.jsonc", import.meta.url)),
  );
  const { config, results } = loadConfig(run.stdout);
  assert.notEqual(config, null);
  assert.deepEqual(results, []);
});

Deno.test("cli: schema prints the config schema; a stray argument is a usage error", async () => {
  const run = await cli(["schema"]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), CONFIG_SCHEMA);
  const bad = await cli(["example", "extra"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /orchestrator example --help/);
});
