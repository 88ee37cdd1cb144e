/**
 * The watchdog's containment lines, with a real watchdog in a real process
 * that is then SIGKILLed: an adopted process with its recorded start time
 * is killed; one whose start time does not match (a reused pid) and one
 * that was released are not.
 */

import assert from "node:assert/strict";
import { identify, survivors, until } from "../orchestrator/_helpers.ts";

const WATCHDOG = new URL("../../lib/agent/watchdog.ts", import.meta.url).href;
/** The project's deno.json: the watchdog imports packages by their mapped names. */
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** A script that lists adopted processes in a watchdog, says "ready" and waits to be killed. */
const SCRIPT = `
import { Watchdog } from ${JSON.stringify(WATCHDOG)};
const [good, goodStart, reused, reusedStart, released, releasedStart] = Deno.args.map(Number);
const watchdog = Watchdog.start();
watchdog.adopt(good, goodStart);
watchdog.adopt(reused, reusedStart + 1);
watchdog.adopt(released, releasedStart);
watchdog.release(released);
console.log("ready");
await new Promise(() => {});
`;

Deno.test("watchdog: adopted processes die with the orchestrator only if their start time matches", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ock-" });
  const sleepers = [0, 1, 2].map(() =>
    new Deno.Command("sleep", { args: ["300"], detached: true, stdout: "null" }).spawn()
  );
  const ids = identify(sleepers.map((s) => s.pid));
  assert.equal(ids.length, 3);
  await Deno.writeTextFile(`${dir}/script.ts`, SCRIPT);
  const owner = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      CONFIG,
      `${dir}/script.ts`,
      ...ids.flatMap((id) => [String(id.pid), id.start]),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = owner.stdout.getReader();
  try {
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /ready/);
    owner.kill("SIGKILL");
    await until("the adopted process killed", () => survivors([ids[0]]).length === 0, 1500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(survivors(ids.slice(1)), ids.slice(1), "wrong start time, released: alive");
  } finally {
    reader.releaseLock();
    try {
      owner.kill("SIGKILL");
    } catch {
      // Killed above.
    }
    await owner.status;
    await owner.stdout.cancel();
    await owner.stderr.cancel();
    for (const s of sleepers) {
      try {
        s.kill("SIGKILL"); // our own children, not reaped yet: the pid cannot be reused
      } catch {
        // Killed by the watchdog and reaped.
      }
    }
    await Promise.all(sleepers.map((s) => s.status));
    await Deno.remove(dir, { recursive: true });
  }
});
