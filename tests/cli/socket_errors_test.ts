/**
 * Where the client looks for the socket, and what it says when that fails:
 * every message names the path and where it came from; paths that can never
 * work are usage errors (exit 2), not connect failures (exit 3).
 */

import assert from "node:assert/strict";
import { COMMON_FLAGS, parseFlags } from "../../lib/cli/flags.ts";
import { DEFAULT_ORIGIN, resolveSocket } from "../../lib/cli/socket_target.ts";
import { DEFAULT_SOCKET_PATH } from "../../lib/protocol/socket.ts";
import { UsageError } from "../../lib/cli/result.ts";
import { cli, writeConfig } from "./_orchestrator.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ose" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolveSocket: flag > argument > env > config > default, each with its origin", async () => {
  const saved = Deno.env.get("ORCHESTRATOR_SOCKET_PATH");
  try {
    Deno.env.delete("ORCHESTRATOR_SOCKET_PATH");
    const args = (...argv: string[]) => parseFlags(argv, COMMON_FLAGS);
    assert.deepEqual(await resolveSocket(args()), {
      path: DEFAULT_SOCKET_PATH,
      origin: DEFAULT_ORIGIN,
    });
    assert.deepEqual(await resolveSocket(args(), "/a/b.sock"), {
      path: "/a/b.sock",
      origin: "from the argument",
    });
    Deno.env.set("ORCHESTRATOR_SOCKET_PATH", "/env.sock");
    assert.deepEqual(await resolveSocket(args()), {
      path: "/env.sock",
      origin: "from ORCHESTRATOR_SOCKET_PATH",
    });
    assert.deepEqual(await resolveSocket(args("--socket", "/flag.sock"), "/a/b.sock"), {
      path: "/flag.sock",
      origin: "from --socket",
    });
    Deno.env.set("ORCHESTRATOR_SOCKET_PATH", ""); // empty counts as unset
    assert.equal((await resolveSocket(args())).path, DEFAULT_SOCKET_PATH);
    await assert.rejects(resolveSocket(args("--socket", "")), UsageError);
  } finally {
    if (saved === undefined) Deno.env.delete("ORCHESTRATOR_SOCKET_PATH");
    else Deno.env.set("ORCHESTRATOR_SOCKET_PATH", saved);
  }
});

Deno.test("cli: a missing socket names the path and where it came from (exit 3)", async () => {
  await withDir(async (dir) => {
    const socket = `${dir}/none.sock`;
    const config = await writeConfig(dir, {
      enable_command_interface: true,
      command_socket_path: socket,
    });
    const [flag, env, fromConfig] = await Promise.all([
      cli(["ps", "--socket", socket]),
      cli(["ps"], { env: { ORCHESTRATOR_SOCKET_PATH: socket } }),
      cli(["ps", "--config", config], { env: { ORCHESTRATOR_SOCKET_PATH: "" } }),
    ]);
    assert.equal(flag.code, 3);
    assert.equal(flag.stderr, `Cannot connect to "${socket}" (from --socket): no such file\n`);
    assert.equal(env.code, 3);
    assert.equal(
      env.stderr,
      `Cannot connect to "${socket}" (from ORCHESTRATOR_SOCKET_PATH): no such file\n`,
    );
    assert.equal(fromConfig.code, 3);
    assert.equal(
      fromConfig.stderr,
      `Cannot connect to "${socket}" (from config "${config}"): no such file\n`,
    );
  });
});

Deno.test("cli: a regular file, directory or FIFO as socket says what it is (exit 3)", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "");
    await Deno.mkdir(`${dir}/dir`);
    assert.equal((await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output()).code, 0);
    const runs = await Promise.all(
      ["file", "dir", "fifo"].map((name) => cli(["ps", "--socket", `${dir}/${name}`])),
    );
    const kinds = ["a regular file", "a directory", "a FIFO"];
    runs.forEach((run, i) => {
      assert.equal(run.code, 3);
      assert.match(
        run.stderr,
        new RegExp(`\\(from --socket\\): not a socket \\(${kinds[i]}\\)\\n$`),
      );
    });
  });
});

Deno.test("cli: an empty, too long or disabled socket is a usage error (exit 2)", async () => {
  await withDir(async (dir) => {
    const config = await writeConfig(dir, { enable_command_interface: false });
    const long = `/tmp/${"x".repeat(120)}.sock`;
    const [empty, tooLong, longEnv, disabled] = await Promise.all([
      cli(["ps", "--socket", ""]),
      cli(["ps", "--socket", long]),
      cli(["status"], { env: { ORCHESTRATOR_SOCKET_PATH: long } }),
      cli(["ps", "--config", config], { env: { ORCHESTRATOR_SOCKET_PATH: "" } }),
    ]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /^Flag "--socket" is empty: give a socket path\n/);
    assert.equal(tooLong.code, 2);
    assert.match(
      tooLong.stderr,
      new RegExp(`^Socket path "${long}" \\(from --socket\\) is 130 bytes: the limit is 107 bytes`),
    );
    assert.equal(longEnv.code, 2);
    assert.match(longEnv.stderr, /\(from ORCHESTRATOR_SOCKET_PATH\) is 130 bytes/);
    assert.equal(disabled.code, 2);
    assert.match(
      disabled.stderr,
      new RegExp(
        `^Config "${config}" has enable_command_interface: false: no socket to connect to\\n`,
      ),
    );
  });
});
