/**
 * Targets of the agent commands, resolved against `ps` rows (pure), and
 * how their results print.
 */

import assert from "node:assert/strict";
import {
  globPattern,
  renderResults,
  resolveTargets,
  targetProblem,
} from "../../lib/cli/targets.ts";

const ROWS = [
  { name: "web-1", group: "web" },
  { name: "web-2", group: "web" },
  { name: "worker", group: null },
  { name: "db" },
];

Deno.test("targets: globs match whole names with *, ? and classes", () => {
  const matches = (glob: string) =>
    ROWS.map((r) => r.name).filter((n) => globPattern(glob).test(n));
  assert.deepEqual(matches("web-*"), ["web-1", "web-2"]);
  assert.deepEqual(matches("web-?"), ["web-1", "web-2"]);
  assert.deepEqual(matches("web-[2-9]"), ["web-2"]);
  assert.deepEqual(matches("web-[!2]"), ["web-1"]);
  assert.deepEqual(matches("w*"), ["web-1", "web-2", "worker"]);
  assert.deepEqual(matches("*.*"), []); // "." is literal
  assert.deepEqual(matches("web"), []); // anchored
});

Deno.test("targets: names, globs, group:NAME and all are targets; anything else is not", () => {
  for (const ok of ["web", "web-*", "group:web", "all", "a.b_c", "[ab]*"]) {
    assert.equal(targetProblem(ok), undefined, ok);
  }
  for (const bad of ["group:", "group:a b", "a b", "web:", "$(x)"]) {
    assert.match(targetProblem(bad) ?? "", /^Invalid target /, bad);
  }
});

Deno.test("targets: resolved in order, each agent once, failures with suggestions", () => {
  assert.deepEqual(resolveTargets(["worker", "web-*", "web-1", "group:web"], ROWS), [
    { target: "worker", agent: "worker" },
    { target: "web-*", agent: "web-1" },
    { target: "web-*", agent: "web-2" },
  ]);
  assert.deepEqual(resolveTargets(["all"], ROWS).map((r) => "agent" in r && r.agent), [
    "web-1",
    "web-2",
    "worker",
    "db",
  ]);
  assert.deepEqual(resolveTargets(["wroker", "group:wbe", "x-*", "a b"], ROWS), [
    { target: "wroker", code: 404, error: 'Unknown agent "wroker": did you mean "worker"?' },
    { target: "group:wbe", code: 404, error: 'Unknown group "wbe": did you mean "web"?' },
    { target: "x-*", code: 404, error: 'No agent matches "x-*"' },
    {
      target: "a b",
      code: 400,
      error: `Invalid target "a b": give an agent name, a glob ('web-*'), group:NAME or all`,
    },
  ]);
  assert.deepEqual(resolveTargets(["all"], []), [{ target: "all", code: 404, error: "No agents" }]);
});

Deno.test("targets: without a ps answer names pass as they are and patterns fail", () => {
  assert.deepEqual(
    resolveTargets(["web", "web-*"], null, { code: 403, error: "Command 'ps' not allowed" }),
    [
      { target: "web", agent: "web" },
      {
        target: "web-*",
        code: 403,
        error: `Cannot resolve "web-*": Command 'ps' not allowed`,
      },
    ],
  );
});

Deno.test("targets: results print one line each, or one JSON line; exit 1 if any failed", () => {
  const results = [
    { target: "web", status: "success" as const, data: { name: "web" } },
    { target: "wbe", status: "error" as const, code: 404, error: 'Unknown agent "wbe"' },
  ];
  const line = (data: unknown) => `done ${(data as { name: string }).name}`;
  assert.deepEqual(renderResults(results, false, line), {
    exitCode: 1,
    stdout: "done web",
    stderr: 'Error 404: Unknown agent "wbe"',
  });
  const json = renderResults(results, true, line);
  assert.equal(json.exitCode, 1);
  assert.equal(json.stdout, JSON.stringify({ results }));
  assert.deepEqual(renderResults(results.slice(0, 1), false, line), {
    exitCode: 0,
    stdout: "done web",
    stderr: undefined,
  });
});
