/**
 * Shell completions: the bash script is sourced in a real `bash` and its
 * function called as bash calls it (COMP_WORDS, COMP_CWORD → COMPREPLY),
 * agent names come from a real orchestrator; the zsh and fish scripts are
 * parsed by their shells when they are installed. And the flags they offer
 * (what each `--help` lists) are the flags each command accepts.
 */

import assert from "node:assert/strict";
import { completionCommands, helpFlags, main as completion } from "../../lib/cli/completion.ts";
import { COMMAND_SUMMARIES } from "../../lib/cli/summaries.ts";
import { CLI, cli, startOrchestrator } from "./_orchestrator.ts";

function has(shell: string): boolean {
  return new Deno.Command("sh", { args: ["-c", `command -v ${shell}`], stdout: "null" })
    .outputSync().success;
}

/** Sources the bash script, then prints COMPREPLY for each `words` (one line each). */
async function bashComplete(script: string, cases: string[][], dir: string): Promise<string[]> {
  const file = `${dir}/orchestrator.bash`;
  await Deno.writeTextFile(file, script);
  const calls = cases.map((words) => {
    const array = words.map((w) => `'${w}'`).join(" ");
    return `COMP_WORDS=(${array}); COMP_CWORD=${
      words.length - 1
    }; _orchestrator; echo "\${COMPREPLY[*]}"`;
  });
  const out = await new Deno.Command("bash", {
    args: ["-c", `source '${file}'\n${calls.join("\n")}`],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(stderr, "", "completion prints nothing to stderr");
  return new TextDecoder().decode(out.stdout).replace(/\n$/, "").split("\n");
}

Deno.test("completion: helpFlags reads the Options part of a --help", () => {
  const help = "Usage: x\n\nOptions:\n  --socket PATH  Control socket\n  --json         JSON\n" +
    "  -h, --help     Help\n\nSocket: --not-a-flag";
  assert.deepEqual(helpFlags(help), [
    { flag: "--socket", value: "PATH", help: "Control socket" },
    { flag: "--json", help: "JSON" },
    { flag: "--help", help: "Help" },
  ]);
});

Deno.test("completion: every flag a --help lists is accepted by its command", async () => {
  const commands = await completionCommands();
  assert.deepEqual(commands.map((c) => c.name), Object.keys(COMMAND_SUMMARIES));
  for (const c of commands) {
    assert.ok(c.flags.some((f) => f.flag === "--help"), c.name);
    assert.ok(c.flags.some((f) => f.flag === "--no-color"), `${c.name} takes --no-color`);
    const module = await import(new URL(`../../lib/cli/${c.name}.ts`, import.meta.url).href);
    for (const f of c.flags) {
      const argv = f.value === undefined ? [f.flag, "--help"] : [f.flag, "1", "--help"];
      const r = await module.main(argv);
      assert.equal(r.exitCode, 0, `${c.name} ${argv.join(" ")}`);
    }
  }
  const agents = commands.filter((c) => c.operand === "agents").map((c) => c.name);
  assert.deepEqual(agents, [
    "status",
    "start",
    "stop",
    "restart",
    "pause",
    "resume",
    "signal",
    "logs",
    "call",
  ]);
});

Deno.test("completion: bash completes commands, flags and a running orchestrator's agents", async () => {
  const o = await startOrchestrator({
    agents: ["web", "worker", "db"].map((name) => ({
      name,
      tool_call_template: { call_template_type: "cli", command: "sleep", args: ["30"] },
    })),
  });
  try {
    const bin = `${o.dir}/orchestrator`; // what the user typed: COMP_WORDS[0]
    await Deno.writeTextFile(bin, `#!/bin/sh\nexec '${Deno.execPath()}' run -A '${CLI}' "$@"\n`);
    await Deno.chmod(bin, 0o755);
    const script = (await cli(["completion", "bash"])).stdout;
    const replies = await bashComplete(script, [
      ["orchestrator", "st"],
      ["orchestrator", "ps", "--j"],
      ["orchestrator", "ps", "--"],
      ["orchestrator", "history", "--category", "a"],
      [bin, "stop", "--socket", o.socket, "w"],
      [bin, "restart", "--socket", "=", o.socket, ""],
      [bin, "stop", "--socket", `${o.dir}/nobody.sock`, ""],
      ["orchestrator", "completion", "f"],
    ], o.dir);
    assert.deepEqual(replies, [
      "status stats start stop",
      "--json",
      "--socket --config --json --timeout --no-color --help",
      "agent",
      "web worker",
      "web worker db",
      "", // no orchestrator there: nothing, quietly
      "fish",
    ]);
  } finally {
    await o.stop();
  }
});

Deno.test("completion: zsh and fish scripts are produced and parse", async () => {
  for (const shell of ["zsh", "fish"]) {
    const r = await completion([shell]);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout!, /__complete agents --timeout 1/);
    assert.match(r.stdout!, /shutdown/);
    if (!has(shell)) continue;
    const file = await Deno.makeTempFile({ suffix: `.${shell}` });
    try {
      await Deno.writeTextFile(file, r.stdout!);
      const out = await new Deno.Command(shell, { args: ["-n", file], stderr: "piped" }).output();
      assert.equal(out.code, 0, `${shell} -n: ${new TextDecoder().decode(out.stderr)}`);
      if (shell === "fish") {
        // fish completes a command line itself with `complete -C`
        const asked = await new Deno.Command("fish", {
          args: [
            "-c",
            `source '${file}'; complete -C 'orchestrator ps --j'; complete -C 'orchestrator sta'`,
          ],
          stdout: "piped",
        }).output();
        const words = new TextDecoder().decode(asked.stdout).split("\n").map((l) =>
          l.split("\t")[0]
        );
        assert.deepEqual(words, ["--json", "start", "stats", "status", ""]);
      }
    } finally {
      await Deno.remove(file);
    }
  }
  const bad = await cli(["completion", "bsh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^Unknown shell "bsh": did you mean "bash"\?\n/);
});
