import assert from "node:assert/strict";
import type { AgentInput } from "../../lib/config/defaults.ts";
import type { OrchestratorError } from "../../lib/errors.ts";
import { harness } from "./_helpers.ts";

/** Values that would run something if pasted into shell text. */
const CORPUS = [
  "; rm -rf x",
  "$(touch pwned)",
  "`touch pwned`",
  "a\nb; touch pwned",
  '"; touch pwned; "',
  "'; touch pwned; '",
  "' \"$(touch pwned)\" '",
  "\\",
  "\\'",
  "$HOME",
  "${HOME}",
  "$((1+1))",
  "*",
  "-n",
  "--help",
  " leading and trailing ",
  "",
  "é ✓ \t tab",
  "| touch pwned &",
  "> pwned",
];

function agents(dir: string): AgentInput[] {
  const common = {
    kind: "task" as const,
    autostart: false,
    inputs: { type: "object", properties: { v: { type: "string" } }, required: ["v"] },
  };
  return [
    {
      ...common,
      name: "plain",
      tool_call_template: {
        command: "sh",
        args: ["-c", 'printf "%s" "$1" > "$2"', "sh", "${v}", `${dir}/out`],
        working_directory: dir,
      },
    },
    {
      ...common,
      name: "shell_bare",
      tool_call_template: {
        command: `printf '%s' \${v} > out`,
        shell: true,
        working_directory: dir,
      },
    },
    {
      ...common,
      name: "shell_double",
      tool_call_template: {
        command: `printf '%s' "<\${v}>" > out`,
        shell: true,
        working_directory: dir,
      },
    },
    {
      ...common,
      name: "shell_single",
      tool_call_template: {
        command: `printf '%s' '<\${v}>' > out`,
        shell: true,
        working_directory: dir,
      },
    },
    {
      ...common,
      name: "shell_args",
      tool_call_template: {
        command: `printf '%s' "$1" > out; :`,
        args: ["${v}"],
        shell: true,
        working_directory: dir,
      },
    },
    {
      ...common,
      name: "shell_env",
      tool_call_template: {
        command: `printf '%s' "$V" > out`,
        environment: { V: "${v}" },
        shell: true,
        working_directory: dir,
      },
    },
  ];
}

const WRAP: Record<string, (v: string) => string> = {
  plain: (v) => v,
  shell_bare: (v) => v,
  shell_double: (v) => `<${v}>`,
  shell_single: (v) => `<${v}>`,
  shell_args: (v) => v,
  shell_env: (v) => v,
};

Deno.test("hostile values reach the program as literal bytes; nothing is executed", async () => {
  const h = await harness((dir) => ({ agents: agents(dir) }));
  await Deno.writeTextFile(`${h.dir}/x`, "keep me");
  const out = `${h.dir}/out`;
  try {
    for (const agent of Object.keys(WRAP)) {
      for (const value of CORPUS) {
        await Deno.remove(out).catch(() => {});
        const result = await h.orchestrator.call(agent, { v: value });
        assert.equal(result.return_code, 0, `${agent} ${JSON.stringify(value)}: ${result.stderr}`);
        assert.equal(
          await Deno.readTextFile(out),
          WRAP[agent](value),
          `${agent} got the value ${JSON.stringify(value)} literally`,
        );
      }
    }
    const files = [...Deno.readDirSync(h.dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["out", "x"], "no file was created, x was not removed");
  } finally {
    await h.close();
  }
});

Deno.test("a value with a NUL byte fails the call clearly (400) and spawns nothing", async () => {
  const h = await harness((dir) => ({ agents: agents(dir) }));
  try {
    for (const agent of ["plain", "shell_bare", "shell_env"]) {
      await assert.rejects(
        h.orchestrator.call(agent, { v: "a\0b; touch pwned" }),
        (e: OrchestratorError) => e.code === 400 && /contains a NUL byte/.test(e.message),
      );
      assert.equal(h.orchestrator.status(agent).state, "failed");
    }
    assert.equal(h.events("AGENT_STARTED").length, 0);
    assert.deepEqual([...Deno.readDirSync(h.dir)], []);
  } finally {
    await h.close();
  }
});
