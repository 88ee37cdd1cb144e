import assert from "node:assert/strict";
import { RESPAWN_MS, Watchdog } from "../../lib/agent/watchdog.ts";
import { alive, until } from "../orchestrator/_helpers.ts";

Deno.test("watchdog: a watchdog killed right after its start is replaced after the respawn delay, on a registry of the live groups", async () => {
  const sleeper = new Deno.Command("sleep", { args: ["30"], detached: true, stdin: "null" })
    .spawn();
  const watchdog = Watchdog.start();
  try {
    watchdog.add(sleeper.pid);
    watchdog.add(999_999);
    watchdog.remove(999_999);
    const first = watchdog.pid;
    const killedAt = performance.now();
    Deno.kill(first, "SIGKILL");
    await new Promise((r) => setTimeout(r, RESPAWN_MS / 2));
    assert.equal(watchdog.restarts, 0, "not replaced in a tight loop");
    await until("a new watchdog", () => watchdog.restarts === 1, 3000);
    assert.ok(performance.now() - killedAt >= RESPAWN_MS - 50);
    assert.notEqual(watchdog.pid, first);
    assert.ok(alive(watchdog.pid));
    assert.equal(Deno.readTextFileSync(watchdog.registry), `+${sleeper.pid}\n`);
    // Killed again after it lived a second: replaced at once.
    await new Promise((r) => setTimeout(r, RESPAWN_MS));
    const second = watchdog.pid;
    Deno.kill(second, "SIGKILL");
    await until("a third watchdog", () => watchdog.restarts === 2, 500);
    assert.ok(alive(sleeper.pid), "a watchdog's death kills nothing");
  } finally {
    const last = watchdog.pid;
    const registry = watchdog.registry;
    await watchdog.close();
    assert.equal(alive(last), false);
    assert.throws(() => Deno.statSync(registry), Deno.errors.NotFound);
    assert.ok(alive(sleeper.pid), "a clean close kills nothing");
    sleeper.kill("SIGKILL");
    await sleeper.status;
  }
});
