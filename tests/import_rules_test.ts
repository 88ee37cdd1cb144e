/**
 * The layers of lib/ and who may import whom, checked on the real import
 * graph (`deno info --json`, so type-only imports count too):
 *
 * - the core (lib/orchestrator.ts, lib/orchestrator/, lib/agent/,
 *   lib/containment/) knows nothing of the control socket or the CLI;
 * - the config knows nothing of control, agents or the orchestrator;
 * - the event store knows nothing of agents or the orchestrator;
 * - the control socket knows nothing of the CLI;
 * - lib/protocol/ (the protocol's vocabulary) imports nothing outside itself;
 * - lib/suggest.ts, shared by the config and the CLI, imports nothing;
 * - no file imports itself through a cycle.
 */

import assert from "node:assert/strict";
import { denoInfo } from "./_host.ts";

/** File (`lib/x.ts`) → what it imports: files as `lib/y.ts`, anything else as resolved (`npm:…`, `node:…`). */
type Graph = ReadonlyMap<string, readonly string[]>;

/**
 * An import rule. Patterns: `dir/**` is everything under `dir/`, a trailing
 * `*` any continuation (`lib/orchestrator*`: the file and the folder), else
 * one exact file.
 */
interface Rule {
  /** The importing files the rule is about. */
  from: readonly string[];
  /** What they may not import … */
  notTo?: readonly string[];
  /** … or the only things they may import. */
  onlyTo?: readonly string[];
}

const RULES: readonly Rule[] = [
  {
    from: ["lib/orchestrator.ts", "lib/orchestrator/**", "lib/agent/**", "lib/containment/**"],
    notTo: ["lib/control/**", "lib/cli/**"],
  },
  { from: ["lib/config/**"], notTo: ["lib/control/**", "lib/agent/**", "lib/orchestrator*"] },
  { from: ["lib/events/**"], notTo: ["lib/agent/**", "lib/orchestrator*"] },
  { from: ["lib/control/**"], notTo: ["lib/cli/**"] },
  { from: ["lib/protocol/**"], onlyTo: ["lib/protocol/**"] },
  { from: ["lib/suggest.ts"], onlyTo: [] },
];

function matches(pattern: string, path: string): boolean {
  if (pattern.endsWith("/**")) return path.startsWith(pattern.slice(0, -2));
  if (pattern.endsWith("*")) return path.startsWith(pattern.slice(0, -1));
  return path === pattern;
}

/** Every import that breaks a rule, as `from -> to (why)`. */
function findViolations(graph: Graph, rules: readonly Rule[]): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    for (const rule of rules) {
      const scope = rule.from.find((p) => matches(p, file));
      if (scope === undefined) continue;
      for (const target of imports) {
        const banned = rule.notTo?.find((p) => matches(p, target));
        if (banned !== undefined) {
          out.push(`${file} -> ${target} (${scope} may not import ${banned})`);
        }
        if (rule.onlyTo !== undefined && !rule.onlyTo.some((p) => matches(p, target))) {
          out.push(`${file} -> ${target} (${scope} may import only ${rule.onlyTo.join(", ")})`);
        }
      }
    }
  }
  return out.sort();
}

/**
 * One cycle per strongly connected component of the file graph (Tarjan),
 * as `cycle: a -> b -> a`, starting at the component's first file by name.
 */
function findCycles(graph: Graph): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const edges = (file: string) => (graph.get(file) ?? []).filter((t) => graph.has(t));

  function connect(file: string): void {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of edges(file)) {
      if (!index.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      components.push(component);
    }
  }

  for (const file of [...graph.keys()].sort()) if (!index.has(file)) connect(file);
  return components
    .filter((c) => c.length > 1 || edges(c[0]).includes(c[0]))
    .map((c) => `cycle: ${cycleThrough(c.sort()[0], new Set(c), edges).join(" -> ")}`)
    .sort();
}

/** The shortest path from `start` back to itself inside `members` (breadth first). */
function cycleThrough(
  start: string,
  members: ReadonlySet<string>,
  edges: (file: string) => string[],
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of [...edges(file)].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)!) path.push(at);
        return [start, ...path.slice(1).reverse(), start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start];
}

const ROOT = new URL("../", import.meta.url);

/** The import graph of every file under lib/, from one `deno info --json` over all of them. */
async function libGraph(): Promise<Graph> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (path.endsWith(".ts")) files.push(path);
    }
  };
  await walk("lib/");
  const entry = await Deno.makeTempFile({ prefix: "import_rules_", suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(new URL(f, ROOT).href)};\n`).join(""),
    );
    const info = await denoInfo(entry);
    const relative = (specifier: string) =>
      specifier.startsWith(ROOT.href) ? specifier.slice(ROOT.href.length) : specifier;
    const graph = new Map<string, string[]>();
    for (const module of info.modules) {
      const file = relative(module.specifier);
      if (!file.startsWith("lib/")) continue;
      const targets = (module.dependencies ?? []).flatMap((d) =>
        [d.code?.specifier, d.type?.specifier].filter((s) => s !== undefined).map(relative)
      );
      graph.set(file, [...new Set(targets)]);
    }
    assert.deepEqual(
      [...graph.keys()].sort(),
      files.sort(),
      "every file under lib/ is in the graph",
    );
    return graph;
  } finally {
    await Deno.remove(entry);
  }
}

Deno.test("import rules: the checker finds a forbidden import, a foreign one and a cycle", () => {
  const graph: Graph = new Map([
    ["lib/agent/a.ts", ["lib/control/c.ts", "lib/protocol/p.ts"]],
    ["lib/control/c.ts", ["lib/protocol/p.ts", "lib/control/d.ts"]],
    ["lib/control/d.ts", ["lib/control/e.ts"]],
    ["lib/control/e.ts", ["lib/control/c.ts"]],
    ["lib/protocol/p.ts", ["lib/protocol/q.ts", "npm:jsonc-parser@3.3.1"]],
    ["lib/protocol/q.ts", ["lib/protocol/q.ts"]],
    ["lib/config/x.ts", ["lib/orchestrator.ts", "lib/orchestrator_extra.ts", "lib/path.ts"]],
  ]);
  assert.deepEqual(findViolations(graph, RULES), [
    "lib/agent/a.ts -> lib/control/c.ts (lib/agent/** may not import lib/control/**)",
    "lib/config/x.ts -> lib/orchestrator.ts (lib/config/** may not import lib/orchestrator*)",
    "lib/config/x.ts -> lib/orchestrator_extra.ts (lib/config/** may not import lib/orchestrator*)",
    "lib/protocol/p.ts -> npm:jsonc-parser@3.3.1 (lib/protocol/** may import only lib/protocol/**)",
  ]);
  assert.deepEqual(findCycles(graph), [
    "cycle: lib/control/c.ts -> lib/control/d.ts -> lib/control/e.ts -> lib/control/c.ts",
    "cycle: lib/protocol/q.ts -> lib/protocol/q.ts",
  ]);
  assert.deepEqual(findCycles(new Map([["lib/a.ts", ["lib/b.ts"]], ["lib/b.ts", []]])), []);
});

Deno.test("import rules: lib/ keeps its layers and has no import cycle", async () => {
  const graph = await libGraph();
  const found = [...findViolations(graph, RULES), ...findCycles(graph)];
  assert.deepEqual(found, [], `import rules broken:\n${found.join("\n")}`);
});
