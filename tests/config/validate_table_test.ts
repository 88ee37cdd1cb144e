/**
 * Table-driven validator test: every file in tests/testdata/configs/ marks
 * the results it must produce with `// expect: <severity> <field>` comments
 * on the offending line (`-` for the document). Errors and warnings must
 * match exactly; expected info results must be present.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import { TESTDATA, testEnv } from "./helpers.ts";

interface Expected {
  severity: string;
  field: string;
  line: number;
}

function expectations(text: string): Expected[] {
  const out: Expected[] = [];
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/expect: (error|warning|info) ([^\s;]+)/g)) {
      out.push({ severity: m[1], field: m[2] === "-" ? "" : m[2], line: i + 1 });
    }
  });
  return out;
}

const key = (e: Expected) => `${e.severity} ${e.field || "-"} line ${e.line}`;

const files = [...Deno.readDirSync(TESTDATA)]
  .filter((e) => e.isFile && e.name.endsWith(".jsonc"))
  .map((e) => e.name)
  .sort();

Deno.test("testdata: there is a config for every check of docs/config.md", () => {
  assert.ok(files.length >= 30, `only ${files.length} configs`);
});

for (const name of files) {
  Deno.test(`validate testdata/${name}`, async () => {
    const text = await Deno.readTextFile(new URL(name, TESTDATA));
    const expected = expectations(text);
    assert.ok(expected.length > 0, `${name} has no expectations`);
    const { config, results } = loadConfig(text, {
      env: testEnv(),
      user: "tester",
      checkFilesystem: true,
    });
    const actual = results.map((r) => ({ severity: r.severity, field: r.field, line: r.line }));
    const strong = (e: Expected) => e.severity !== "info";
    assert.deepEqual(
      actual.filter(strong).map(key).sort(),
      expected.filter(strong).map(key).sort(),
      `results:\n${
        results.map((r) => `${r.severity} ${r.field} ${r.line}:${r.column} ${r.message}`).join("\n")
      }`,
    );
    const actualKeys = new Set(actual.map(key));
    for (const e of expected.filter((e) => !strong(e))) {
      assert.ok(actualKeys.has(key(e)), `missing ${key(e)}`);
    }
    const hasError = expected.some((e) => e.severity === "error");
    assert.equal(config === null, hasError, "config is null iff there are errors");
    for (const r of results) {
      assert.ok(r.message.length > 0);
      assert.ok(r.line >= 1 && r.column >= 1, `positioned: ${r.message}`);
    }
  });
}
