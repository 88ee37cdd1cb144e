/**
 * The README's second-terminal commands work exactly as written while the
 * demo runs: the demo is started as `deno task start` starts it (same
 * command line, same config file) with `ORCHESTRATOR_SOCKET_PATH` pointing
 * at a temp socket, and each line of the block runs with `bash`, the install
 * step included (into a temp root). The one substitution: `npx -y
 * deno@2.9.6` becomes the Deno running the tests.
 */

import assert from "node:assert/strict";
import { shellQuote } from "../tools/install.ts";
import { waitUntilServing } from "./cli/_orchestrator.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const NPX_DENO = "npx -y deno@2.9.6";

const hasJq = new Deno.Command("sh", { args: ["-c", "command -v jq"], stdout: "null" })
  .outputSync().success;

/** The lines of the fenced `sh` block after "While the demo runs". */
function secondTerminalBlock(readme: string): string[] {
  const at = readme.indexOf("While the demo runs");
  assert.ok(at >= 0, 'README has "While the demo runs"');
  const block = readme.slice(at).match(/```sh\n([\s\S]*?)```/);
  assert.ok(block, "a sh block follows");
  return block[1].split("\n").filter((line) => line.trim() !== "");
}

/** The `start` task's command line, with `deno` as the Deno running the tests. */
async function startCommand(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const words = (config.tasks.start as string).split(" ");
  assert.equal(words[0], "deno");
  return words.slice(1);
}

async function bash(line: string, env: Record<string, string>) {
  const out = await new Deno.Command("bash", {
    args: ["-o", "pipefail", "-c", line.replaceAll(NPX_DENO, shellQuote(Deno.execPath()))],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("README: the second-terminal commands work as written while the demo runs", async () => {
  const lines = secondTerminalBlock(await Deno.readTextFile(`${ROOT}README.md`));
  assert.match(
    lines[0],
    /^npx -y deno@2\.9\.6 task install\b/,
    "the block starts with the install",
  );
  assert.ok(lines.slice(1).every((l) => l.startsWith("orchestrator ")), lines.join("\n"));

  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ordm" });
  const socket = `${dir}/o.sock`;
  const demo = new Deno.Command(Deno.execPath(), {
    args: await startCommand(),
    cwd: ROOT,
    env: { ORCHESTRATOR_SOCKET_PATH: socket, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const done = demo.output().then((out) => ({
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  }));
  try {
    await waitUntilServing(socket, done);
    const env = {
      PATH: `${dir}/root/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      DENO_INSTALL_ROOT: `${dir}/root`,
      ORCHESTRATOR_SOCKET_PATH: socket,
      NO_COLOR: "1",
    };
    for (const line of lines) {
      if (line.includes("| jq") && !hasJq) continue; // the README's own prerequisite
      const run = await bash(line, env);
      assert.equal(run.code, 0, `${line}\n${run.stderr}`);
      assert.notEqual(run.stdout.trim(), "", `${line} prints something`);
      if (line.includes("| jq")) assert.match(run.stdout, /^[1-9][0-9]*\n$/, line);
      if (line.includes("task install")) {
        assert.match(run.stdout, new RegExp(`^Installed ${dir}/root/bin/orchestrator `), line);
      }
      if (line.includes("call hello --input greeting=hi")) {
        assert.match(run.stdout, /^hi, orchestrator!$/m, line);
      }
      if (line.includes("status --wait")) assert.match(run.stdout, /^NAME\s+STATE/, line);
    }
  } finally {
    try {
      demo.kill("SIGTERM");
    } catch {
      // already exited
    }
    await done;
    await Deno.remove(dir, { recursive: true });
  }
  const result = await done;
  assert.equal(result.code, 0, `the demo stops cleanly on SIGTERM:\n${result.stderr}`);
});
