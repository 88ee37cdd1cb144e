/** socketPathFromText: the one field `--config` needs, read as loading the whole config reads it. */

import assert from "node:assert/strict";
import { socketPathFromText } from "../../lib/config/socket_path.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { DEFAULT_SOCKET_PATH } from "../../lib/protocol/socket.ts";
import { testEnv } from "./helpers.ts";

const USER = "ann";
const LONG = `/tmp/${"s".repeat(120)}.sock`;

function read(text: string, env = testEnv()) {
  return socketPathFromText(text, { env, user: USER });
}

Deno.test("socket path: default, {user}, and ORCHESTRATOR_SOCKET_PATH over the config", () => {
  assert.deepEqual(read("{}"), { ok: true, path: DEFAULT_SOCKET_PATH, enabled: false });
  assert.deepEqual(read('{ "command_socket_path": "/run/{user}/o.sock" }'), {
    ok: true,
    path: "/run/ann/o.sock",
    enabled: false,
  });
  const env = testEnv({ ORCHESTRATOR_SOCKET_PATH: "/env/{user}.sock" });
  assert.deepEqual(read('{ "command_socket_path": "/x.sock" }', env), {
    ok: true,
    path: "/env/ann.sock",
    enabled: false,
  });
});

Deno.test("socket path: other options are not validated", () => {
  const text = `{
    // comments and trailing commas are JSONC
    "max_workers": 0,
    "agents": "not a list",
    "no_such_option": true,
    "command_socket_path": "/tmp/o.sock",
  }`;
  assert.deepEqual(read(text), { ok: true, path: "/tmp/o.sock", enabled: false });
  assert.equal(loadConfig(text, { env: testEnv(), user: USER }).config, null);
});

Deno.test("socket path: what is wrong with it comes with its position", () => {
  const cases: [string, string, number, number][] = [
    ['{ "a": 1', "JSONC syntax error: Close brace expected", 1, 9],
    ["[1]", "The config must be an object, got array", 1, 1],
    ['{\n  "command_socket_path": 5 }', "Expected a string, got number 5", 2, 26],
    ['{ "command_socket_path": "/a\\u0000b" }', "Socket path contains a NUL byte", 1, 26],
    [
      '{ "enable_command_interface": true, "command_socket_path": "" }',
      "Socket path is empty",
      1,
      60,
    ],
    [
      `{ "enable_command_interface": true, "command_socket_path": "${LONG}" }`,
      `Socket path is ${LONG.length} bytes; UNIX sockets allow at most 107: "${
        LONG.slice(0, 60)
      }…"`,
      1,
      60,
    ],
  ];
  for (const [text, message, line, column] of cases) {
    assert.deepEqual(read(text), { ok: false, message, line, column }, text);
  }
});

Deno.test("socket path: a disabled interface does not check that the path can be bound", () => {
  assert.deepEqual(read('{ "command_socket_path": "" }'), { ok: true, path: "", enabled: false });
  assert.deepEqual(read(`{ "command_socket_path": "${LONG}" }`), {
    ok: true,
    path: LONG,
    enabled: false,
  });
});

Deno.test("socket path: the same path and the same errors as loading the whole config", () => {
  const texts = [
    "{}",
    '{ "enable_command_interface": true, "command_socket_path": "/tmp/{user}/o.sock" }',
    '{ "command_socket_path": "/tmp/x.sock" }',
    '{ "command_socket_path": 5 }',
    '{ "command_socket_path": "/a\\u0000b" }',
    '{ "enable_command_interface": true, "command_socket_path": "" }',
    `{ "enable_command_interface": true, "command_socket_path": "${LONG}" }`,
    "[1]",
    '{ "a": 1',
  ];
  for (const env of [testEnv(), testEnv({ ORCHESTRATOR_SOCKET_PATH: "/e/{user}.sock" })]) {
    for (const text of texts) {
      const loaded = loadConfig(text, { env, user: USER, checkFilesystem: false });
      const found = read(text, env);
      if (loaded.config !== null) {
        assert.deepEqual(found, {
          ok: true,
          path: loaded.config.command_socket_path,
          enabled: loaded.config.enable_command_interface,
        }, text);
      } else {
        const first = loaded.results.find((r) => r.severity === "error")!;
        const { message, line, column } = first;
        assert.deepEqual(found, { ok: false, message, line, column }, text);
      }
    }
  }
});
