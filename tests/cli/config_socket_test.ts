/** `--config FILE`: the socket path alone is read from the file; the rest is not validated. */

import assert from "node:assert/strict";
import { socketPathFromConfig } from "../../lib/cli/config_socket.ts";
import { UsageError } from "../../lib/cli/result.ts";
import { currentUser } from "../../lib/config/defaults.ts";
import { cli } from "./_orchestrator.ts";

async function usageError(path: string): Promise<string> {
  try {
    await socketPathFromConfig(path);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`No UsageError for "${path}"`);
}

Deno.test("config socket: unreadable, unparsable and unusable files are usage errors", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ocs" });
  try {
    const missing = `${dir}/missing.jsonc`;
    assert.equal(
      await usageError(missing),
      `Cannot take the socket path from config "${missing}": no such file`,
    );
    assert.equal(
      await usageError(dir),
      `Cannot take the socket path from config "${dir}": is a directory`,
    );
    const broken = `${dir}/broken.jsonc`;
    await Deno.writeTextFile(broken, '{\n  "command_socket_path": "/x.sock"');
    assert.equal(
      await usageError(broken),
      `Cannot take the socket path from config "${broken}": 2:35: JSONC syntax error: Close brace expected`,
    );
    const wrong = `${dir}/wrong.jsonc`;
    await Deno.writeTextFile(wrong, '{ "command_socket_path": ["/x.sock"] }');
    assert.equal(
      await usageError(wrong),
      `Cannot take the socket path from config "${wrong}": 1:26: Expected a string, got array`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config socket: ps --config uses the path of a config whose other options are wrong", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ocs" });
  try {
    const config = `${dir}/o.jsonc`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        enable_command_interface: true,
        command_socket_path: `${dir}/{user}.sock`,
        max_workers: 0,
        agents: [{ name: "x", tool_call_template: { command: "/no/such/program" } }],
      }),
    );
    assert.equal((await socketPathFromConfig(config)).path, `${dir}/${currentUser()}.sock`);
    const ps = await cli(["ps", "--config", config]);
    assert.equal(ps.code, 3, ps.stderr);
    assert.match(
      ps.stderr,
      new RegExp(
        `Cannot connect to "${dir}/[^"/]+\\.sock" \\(from config "[^"]+"\\): no such file`,
      ),
    );
    const missing = await cli(["ps", "--config", `${dir}/missing.jsonc`]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /^Cannot take the socket path from config ".*": no such file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
