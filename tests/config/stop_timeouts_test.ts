/**
 * `stop` and `restart` answer once the agent has stopped: an agent whose stop
 * time is longer than command_timeout gets a warning, but only where those
 * commands can be sent.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import { testEnv } from "./helpers.ts";

function warnings(options: Record<string, unknown>): string[][] {
  const config = {
    enable_command_interface: true,
    command_socket_path: "/tmp/orchestrator-stop-timeouts.sock",
    command_timeout: 5,
    agents: [
      { name: "slow", tool_call_template: { command: "sleep" }, stop_timeout: 20 },
      { name: "inherits", tool_call_template: { command: "sleep" } },
    ],
    ...options,
  };
  const { results } = loadConfig(JSON.stringify(config), {
    env: testEnv(),
    checkFilesystem: false,
  });
  return results.filter((r) => r.severity !== "info").map((r) => [r.field, r.message]);
}

Deno.test("stop timeouts: a stop_timeout over command_timeout warns where stop is allowed", () => {
  assert.deepEqual(warnings({}), [
    [
      "command_timeout",
      'Agents without stop_timeout ("inherits") get shutdown_timeout 10 s, longer than ' +
      'command_timeout 5 s: "stop" and "restart" may answer 504 while one is still stopping',
    ],
    [
      "agents[0].stop_timeout",
      'Stop timeout 20 s is longer than command_timeout 5 s: "stop" and "restart" may answer ' +
      "504 while the agent is still stopping",
    ],
  ]);
});

Deno.test("stop timeouts: shutdown_timeout is named when it is set", () => {
  const found = warnings({ shutdown_timeout: 8, blocked_commands: ["stop"] });
  const byField = new Map(found.map(([field, message]) => [field, message]));
  assert.deepEqual([...byField.keys()].sort(), ["agents[0].stop_timeout", "shutdown_timeout"]);
  assert.match(
    byField.get("shutdown_timeout")!,
    /shutdown_timeout 8 s.*: "restart" may answer 504/,
  );
});

Deno.test("stop timeouts: no warning without the socket, stop or restart, or when within", () => {
  assert.deepEqual(warnings({ enable_command_interface: false }), []);
  assert.deepEqual(warnings({ allowed_commands: "monitoring" }), []);
  assert.deepEqual(warnings({ blocked_commands: ["stop", "restart"] }), []);
  assert.deepEqual(warnings({ command_timeout: 30 }), []);
});
