/**
 * The shipped configs validate as their comments say: config.example.jsonc
 * with zero results, examples/configs/* as documented in each file.
 */

import assert from "node:assert/strict";
import { loadConfigFile } from "../../lib/config/load.ts";
import { ROOT, testEnv } from "./helpers.ts";

const EXAMPLES = new URL("examples/configs/", ROOT);

Deno.test("config.example.jsonc validates with zero results", async () => {
  const { config, results } = await loadConfigFile(new URL("config.example.jsonc", ROOT).pathname, {
    env: testEnv(),
    user: "tester",
  });
  assert.deepEqual(results, []);
  assert.ok(config !== null);
  assert.equal(config.command_socket_path, "/tmp/orchestrator-tester.sock");
  assert.equal(config.command_socket_permissions, 0o600);
  assert.deepEqual(config.agents.map((a) => a.name), ["ticker", "worker", "hello"]);
  const hello = config.agents[2];
  assert.equal(hello.kind, "task");
  assert.equal(hello.restart, "no");
  assert.deepEqual(hello.values, { greeting: "Hello" });
  assert.equal(config.agents[1].stop_timeout, 10, "stop_timeout defaults to shutdown_timeout");
});

Deno.test("examples/configs/production.jsonc is clean", async () => {
  // /var/run/orchestrator may not exist on the test machine: filesystem checks off.
  const { config, results } = await loadConfigFile(new URL("production.jsonc", EXAMPLES).pathname, {
    env: testEnv(),
    checkFilesystem: false,
  });
  assert.deepEqual(results, []);
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

Deno.test("examples/configs/monitoring.jsonc: one info about read-only bits", async () => {
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
