/**
 * Fuzz: 10,000 random and mutated JSONC documents (byte flips, inserts,
 * deletes, values swapped for random JSON of any type, deep nesting, huge
 * strings). `loadConfig` must return results and never throw. The PRNG is
 * seeded; a failure prints the seed and the document.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import { ROOT, testEnv } from "./helpers.ts";

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20250727);
const COUNT = 10_000;

const TOKENS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "\\",
  "/*",
  "//",
  "\n",
  "\u0000",
  "${",
  "null",
  "-",
  "0",
  "\ufeff",
  "\ud800",
];

async function corpus(): Promise<string[]> {
  const files = [new URL("config.example.jsonc", ROOT)];
  for (const dir of ["examples/configs/", "tests/testdata/configs/"]) {
    for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
      if (e.name.endsWith(".jsonc")) files.push(new URL(dir + e.name, ROOT));
    }
  }
  return await Promise.all(files.map((f) => Deno.readTextFile(f)));
}

function randomJson(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return [0, -1, 1e308, 660, 0.5, 86401, 2 ** 53, -0][Math.floor(rand() * 8)];
    case 3:
      return [
        "",
        "${x}",
        "sleep",
        "a\u0000b",
        "0666",
        "ps",
        "x".repeat(5000),
        "__proto__",
        "((",
        "[::1]:99999",
      ][
        Math.floor(rand() * 10)
      ];
    case 4:
      return "z".repeat(Math.floor(rand() * 200_000));
    case 5:
      return Math.floor(rand() * 1000);
    case 6:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        "name",
        "agents",
        "tool_call_template",
        "command",
        "inputs",
        "values",
        "depends_on",
        "readiness",
        "__proto__",
        "$ref",
        "type",
      ];
      for (let i = Math.floor(rand() * 4); i > 0; i--) {
        o[keys[Math.floor(rand() * keys.length)]] = randomJson(rand, depth + 1);
      }
      return o;
    }
  }
}

function mutate(text: string, rand: () => number): string {
  const kind = Math.floor(rand() * 7);
  const at = Math.floor(rand() * (text.length + 1));
  switch (kind) {
    case 0: // flip a character
      return text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x3000)) +
        text.slice(at + 1);
    case 1: // insert a token
      return text.slice(0, at) + TOKENS[Math.floor(rand() * TOKENS.length)] + text.slice(at);
    case 2: // delete a range
      return text.slice(0, at) + text.slice(at + Math.floor(rand() * 40));
    case 3: { // swap a value after a colon for random JSON
      const colon = text.indexOf(":", at);
      if (colon < 0) return text;
      const end = text.slice(colon + 1).search(/[,}\]\n]/);
      const stop = end < 0 ? text.length : colon + 1 + end;
      return text.slice(0, colon + 1) + JSON.stringify(randomJson(rand)) + text.slice(stop);
    }
    case 4: { // deep nesting
      const n = 1 + Math.floor(rand() * 200);
      return text.slice(0, at) + "[".repeat(n) + "]".repeat(Math.floor(rand() * (n + 1))) +
        text.slice(at);
    }
    case 5: // a whole random document
      return JSON.stringify({
        agents: [randomJson(rand), randomJson(rand)],
        extra: randomJson(rand),
      });
    default: // a huge string
      return text.slice(0, at) + '"' + "y".repeat(100_000) + '"' + text.slice(at);
  }
}

Deno.test(`fuzz: 10,000 mutated configs never throw (seed ${SEED})`, async () => {
  const docs = await corpus();
  const rand = prng(SEED);
  const env = testEnv({ x: "1" });
  let withResults = 0;
  for (let i = 0; i < COUNT; i++) {
    let text = docs[Math.floor(rand() * docs.length)];
    for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) text = mutate(text, rand);
    try {
      // Filesystem checks on a sample: they are cached and slower per fresh command.
      const r = loadConfig(text, { env, user: "fuzz", checkFilesystem: i % 10 === 0 });
      assert.ok(Array.isArray(r.results));
      for (const res of r.results) {
        assert.ok(typeof res.message === "string" && res.message.length > 0);
        assert.ok(Number.isInteger(res.line) && Number.isInteger(res.column));
      }
      if (r.results.length > 0) withResults++;
      assert.equal(r.config === null, r.results.some((res) => res.severity === "error"));
    } catch (error) {
      console.error(`fuzz failure: seed ${SEED}, iteration ${i}\n${text.slice(0, 2000)}`);
      throw error;
    }
  }
  assert.ok(withResults > COUNT / 2, `mutations produced findings in ${withResults} documents`);
});
