/**
 * The shipped configs validate as their comments say: each header comment
 * states the summary line `orchestrator validate` prints, and the test holds
 * it to that.
 */

import assert from "node:assert/strict";
import { loadConfigFile } from "../../lib/config/load.ts";
import { summarize } from "../../lib/config/format.ts";
import { DEFAULT_SOCKET_PATH } from "../../lib/protocol/socket.ts";
import { ROOT, testEnv } from "./helpers.ts";

const EXAMPLES = new URL("examples/configs/", ROOT);

Deno.test("config.example.jsonc validates with zero results", async () => {
  const { config, results } = await loadConfigFile(new URL("config.example.jsonc", ROOT).pathname, {
    env: testEnv(),
    user: "tester",
  });
  assert.deepEqual(results, []);
  assert.ok(config !== null);
  assert.equal(config.command_socket_path, DEFAULT_SOCKET_PATH, "where the client looks");
  assert.equal(config.command_socket_permissions, 0o600);
  assert.deepEqual(config.agents.map((a) => a.name), ["ticker", "worker", "hello"]);
  const hello = config.agents[2];
  assert.equal(hello.kind, "task");
  assert.equal(hello.restart, "no");
  assert.deepEqual(hello.values, { greeting: "Hello" });
  assert.equal(config.agents[1].stop_timeout, 10, "stop_timeout defaults to shutdown_timeout");
});

/** The leading `//` comment of a config file. */
function headerComment(text: string): string {
  const lines = text.split("\n");
  const end = lines.findIndex((l) => !l.startsWith("//"));
  return lines.slice(0, end).join("\n");
}

/** `N errors, N warnings, N info` as stated in the header comment. */
function statedSummary(header: string): { errors: number; warnings: number; info: number } {
  const m = header.match(/(\d+) errors?, (\d+) warnings?, (\d+) info\b/);
  assert.ok(m, `the header states what validate prints:\n${header}`);
  return { errors: Number(m[1]), warnings: Number(m[2]), info: Number(m[3]) };
}

const SHIPPED = [
  "config.example.jsonc",
  ...[...Deno.readDirSync(EXAMPLES)].map((e) => `examples/configs/${e.name}`).sort(),
];

for (const name of SHIPPED) {
  Deno.test(`${name}: validate prints what its header comment says`, async () => {
    const path = new URL(name, ROOT).pathname;
    const header = headerComment(await Deno.readTextFile(path));
    const stated = statedSummary(header);
    // Directories the comment says do not exist yet: one info each where they are missing and
    // creatable (as on a fresh machine, as root), none once they exist, an error each where
    // they cannot be created. Everything else must match the comment on any machine.
    const dirs = [...new Set(header.match(/\/var\/[a-z]+\/orchestrator\b/g) ?? [])];
    const { results } = await loadConfigFile(path, { env: testEnv(), user: "tester" });
    const aboutDir = (message: string) => dirs.find((d) => message.startsWith(`Directory "${d}"`));
    const others = summarize(results.filter((r) => aboutDir(r.message) === undefined));
    assert.deepEqual(
      others,
      { ...stated, info: stated.info - dirs.length },
      results.map((r) => `${r.severity} ${r.field} ${r.message}`).join("\n"),
    );
    for (const dir of dirs) {
      const found = results.filter((r) => aboutDir(r.message) === dir);
      const exists = await Deno.stat(dir).then(() => true, () => false);
      assert.equal(found.length, exists ? 0 : 1, `one result about ${dir} while it is missing`);
    }
    if (
      dirs.every((d) => results.some((r) => aboutDir(r.message) === d && r.severity === "info"))
    ) {
      assert.deepEqual(summarize(results), stated);
    }
  });
}

Deno.test("examples/configs/production.jsonc: read-only commands, 0660", async () => {
  const { config } = await loadConfigFile(new URL("production.jsonc", EXAMPLES).pathname, {
    env: testEnv(),
    checkFilesystem: false,
  });
  assert.equal(config?.command_socket_permissions, 0o660);
  assert.deepEqual(config?.blocked_commands, ["shutdown"]);
});

Deno.test("examples/configs/development.jsonc warns about 0666", async () => {
  const { config, results } = await loadConfigFile(
    new URL("development.jsonc", EXAMPLES).pathname,
    { env: testEnv() },
  );
  assert.deepEqual(results.map((r) => [r.severity, r.field]), [
    ["warning", "command_socket_permissions"],
  ]);
  assert.match(results[0].message, /0666.*world-writable/);
  assert.equal(config?.command_socket_permissions, 0o666);
});

Deno.test("examples/configs/monitoring.jsonc: an info about read-only bits", async () => {
  const { config, results } = await loadConfigFile(new URL("monitoring.jsonc", EXAMPLES).pathname, {
    env: testEnv(),
    checkFilesystem: false,
  });
  assert.deepEqual(results.map((r) => [r.severity, r.field]), [
    ["info", "command_socket_permissions"],
  ]);
  assert.equal(config?.command_socket_permissions, 0o644);
});

Deno.test("examples/configs/docker.jsonc takes the socket path from the environment", async () => {
  const path = new URL("docker.jsonc", EXAMPLES).pathname;
  const withEnv = await loadConfigFile(path, {
    env: testEnv({ ORCHESTRATOR_SOCKET_PATH: "/var/run/orchestrator/from-env.sock" }),
    checkFilesystem: false,
  });
  assert.equal(withEnv.config?.command_socket_path, "/var/run/orchestrator/from-env.sock");
  assert.deepEqual(withEnv.results.map((r) => r.severity), ["info"]);
  const withoutEnv = await loadConfigFile(path, { env: testEnv(), checkFilesystem: false });
  assert.equal(withoutEnv.config?.command_socket_path, "/var/run/orchestrator/orchestrator.sock");
  assert.deepEqual(withoutEnv.results, []);
});
