/**
 * The one signal list (lib/protocol/signals.ts): its numbers are Linux's
 * (as the shell's `kill -l` tells), `Deno.kill` accepts every name, and
 * `parseSignal` reads names with or without SIG, in any case, and numbers.
 */

import assert from "node:assert/strict";
import {
  parseSignal,
  PAUSE_SIGNALS,
  SIGNAL_NUMBERS,
  type SignalName,
  STOP_SIGNALS,
} from "../../lib/protocol/signals.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";

const NAMES = Object.keys(SIGNAL_NUMBERS) as SignalName[];

Deno.test("signals: the numbers are the ones `kill -l` gives on this machine", async () => {
  const script = NAMES.map((name) => `kill -l ${SIGNAL_NUMBERS[name]}`).join("; ");
  const out = await new Deno.Command("bash", { args: ["-c", script], stdout: "piped" }).output();
  assert.ok(out.success);
  const shell = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.deepEqual(shell.map((n) => `SIG${n}`), NAMES);
  assert.equal(new Set(Object.values(SIGNAL_NUMBERS)).size, NAMES.length, "one name per number");
});

Deno.test("signals: Deno.kill accepts every name of the list", async () => {
  for (const name of NAMES) {
    const child = new Deno.Command("sleep", { args: ["30"], stdout: "null" }).spawn();
    try {
      Deno.kill(child.pid, name);
    } finally {
      try {
        Deno.kill(child.pid, "SIGKILL");
      } catch {
        // it ended on the signal itself
      }
      await child.status;
    }
  }
});

Deno.test("signals: parseSignal reads names with or without SIG, any case, and numbers", () => {
  assert.equal(parseSignal("HUP"), "SIGHUP");
  assert.equal(parseSignal("SIGHUP"), "SIGHUP");
  assert.equal(parseSignal("sighup"), "SIGHUP");
  assert.equal(parseSignal("usr1"), "SIGUSR1");
  assert.equal(parseSignal("1"), "SIGHUP");
  assert.equal(parseSignal("15"), "SIGTERM");
  assert.equal(parseSignal("31"), "SIGSYS");
  for (const name of NAMES) assert.equal(parseSignal(String(SIGNAL_NUMBERS[name])), name);
  for (const bad of ["", "0", "32", "64", "01x", "-1", "1.0", "SIG", "SIGFOO", "BREAK", " HUP"]) {
    assert.equal(parseSignal(bad), null, JSON.stringify(bad));
  }
});

Deno.test("signals: stop_signal takes the shared list; pause and resume own SIGSTOP and SIGCONT", () => {
  const agent =
    (CONFIG_SCHEMA.definitions as Record<string, { properties: Record<string, unknown> }>)
      .agent;
  assert.deepEqual((agent.properties.stop_signal as { enum: string[] }).enum, [...STOP_SIGNALS]);
  for (const name of STOP_SIGNALS) assert.ok(NAMES.includes(name));
  assert.deepEqual([...PAUSE_SIGNALS].sort(), ["SIGCONT", "SIGSTOP"]);
});
