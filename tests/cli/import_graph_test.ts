/**
 * The client commands must load fast (`orchestrator ps` is called in shell
 * loops): what they evaluate at startup — static, non-type imports — may not
 * include npm packages or `node:` built-ins (no jsonc-parser, ajv, logtape,
 * node:sqlite), with one exception: `node:util`, whose `parseArgs` is the one
 * flag parser of every command (lib/cli/args.ts). It costs ~7 ms of CPU per
 * call (docs/benchmarks.md has the figures); nothing else may join it.
 */

import assert from "node:assert/strict";
import { COMMAND_NAMES } from "../../lib/protocol/commands.ts";
import { denoInfo } from "../_host.ts";

const COMMANDS = COMMAND_NAMES;

async function runtimeClosure(entry: string): Promise<string[]> {
  const info = await denoInfo(entry);
  const bySpec = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...info.roots];
  while (queue.length > 0) {
    const spec = queue.pop()!;
    if (seen.has(spec)) continue;
    seen.add(spec);
    for (const dep of bySpec.get(spec)?.dependencies ?? []) {
      if (dep.isDynamic === true || dep.code === undefined) continue;
      queue.push(dep.code.specifier);
    }
  }
  return [...seen];
}

/** The one built-in a client command may load at startup. */
const ALLOWED = ["node:util"];

Deno.test("client commands evaluate no npm package and no node: module but node:util at startup", async () => {
  for (const command of COMMANDS) {
    const closure = await runtimeClosure(`lib/cli/${command}.ts`);
    const heavy = closure.filter((s) => !s.startsWith("file://") && !ALLOWED.includes(s));
    assert.deepEqual(heavy, [], `${command} loads ${heavy.join(", ")}`);
    assert.ok(closure.includes("node:util"), `${command} parses its flags with node:util`);
    assert.ok(closure.length <= 19, `${command} loads ${closure.length} modules`);
  }
});

Deno.test("top's terminal code loads only for top, and top loads no npm package", async () => {
  for (const command of COMMANDS) {
    const closure = await runtimeClosure(`lib/cli/${command}.ts`);
    const top = closure.filter((s) => s.includes("/lib/cli/top"));
    assert.deepEqual(top, [], `${command} loads ${top.join(", ")}`);
  }
  const closure = await runtimeClosure("lib/cli/top.ts");
  const heavy = closure.filter((s) => !s.startsWith("file://") && !ALLOWED.includes(s));
  assert.deepEqual(heavy, [], `top loads ${heavy.join(", ")}`);
  assert.ok(closure.some((s) => s.endsWith("/lib/cli/top/screen.ts")));
});
