/**
 * `RunSystemd` (lib/cli/run_systemd.ts) in process, with a real
 * orchestrator and a notification socket this test listens on: READY=1
 * follows the agents, and a reload is wrapped in RELOADING=1 … READY=1.
 */

import assert from "node:assert/strict";
import { RunSystemd } from "../../lib/cli/run_systemd.ts";
import { withDefaults } from "../../lib/config/defaults.ts";
import { EventStore } from "../../lib/events/store.ts";
import { Orchestrator } from "../../lib/orchestrator.ts";
import { withReceiver } from "../systemd/_receiver.ts";

function fromEnv(address: string): RunSystemd {
  Deno.env.set("NOTIFY_SOCKET", address);
  try {
    return RunSystemd.fromEnv();
  } finally {
    Deno.env.delete("NOTIFY_SOCKET");
  }
}

Deno.test("RunSystemd: READY=1 once the agents are up, a reload wrapped in RELOADING=1 … READY=1 (even when it fails), STOPPING=1", async () => {
  await withReceiver(async (address, receiver) => {
    const systemd = fromEnv(address);
    assert.equal(systemd.notifySocket, address);
    assert.equal(Deno.env.get("NOTIFY_SOCKET"), undefined, "taken out of the environment");
    const store = EventStore.open({ path: null, retention: 1000 });
    const orchestrator = new Orchestrator(
      withDefaults({
        // Not about containment (a cgroup-mode boot reaps other tests' dead orchestrators).
        containment: "process-group",
        agents: [
          {
            name: "slow",
            readiness: { log_pattern: "^up$" },
            tool_call_template: {
              command: "sh",
              args: ["-c", "sleep 0.3; echo up; exec sleep 30"],
            },
            stop_timeout: 1,
          },
        ],
      }),
      { events: store, watchdog: false },
    );
    try {
      await orchestrator.boot();
      systemd.watch(orchestrator);
      assert.equal(await receiver.next(), "STATUS=0 agents up, 1 starting");
      assert.equal(await receiver.next(), "READY=1\nSTATUS=1 agent up");
      assert.equal(orchestrator.status("slow").state, "ready");

      assert.equal(await systemd.onReload(() => Promise.resolve(42)), 42);
      assert.match((await receiver.next())!, /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
      assert.equal(await receiver.next(), "READY=1\nSTATUS=1 agent up");
      await assert.rejects(
        systemd.onReload(() => Promise.reject(new Error("Config has errors"))),
        /Config has errors/,
      );
      assert.match((await receiver.next())!, /^RELOADING=1\n/);
      assert.equal(await receiver.next(), "READY=1\nSTATUS=1 agent up");

      systemd.stopping("received SIGTERM");
      assert.equal(await receiver.next(), "STOPPING=1\nSTATUS=Stopping: received SIGTERM");
      await orchestrator.shutdown("test end");
      assert.equal(await receiver.next(500), null, "no status once stopping");
    } finally {
      systemd.close();
      await orchestrator.shutdown("test end");
      store.close();
    }
  });
});
