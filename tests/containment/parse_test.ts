import assert from "node:assert/strict";
import { environValue, parseStat } from "../../lib/containment/proc.ts";
import {
  cgroupDirectory,
  parseCgroup2Mounts,
  parseOwnCgroup,
} from "../../lib/containment/cgroup_location.ts";
import {
  agentCgroupName,
  ownerCgroupName,
  parseOwnerCgroupName,
} from "../../lib/containment/cgroup.ts";
import { formatRunId, parseRunId } from "../../lib/containment/run_id.ts";
import { parseAdopted } from "../../lib/containment/adopted_file.ts";

Deno.test("parseStat: fields counted from the last ')', so odd command names parse", () => {
  const rest = "S 1 42 40 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0";
  assert.deepEqual(parseStat(`42 (a b) S) ${rest}`), {
    pid: 42,
    state: "S",
    ppid: 1,
    pgid: 42,
    sid: 40,
    start: 987654,
  });
  assert.equal(parseStat("42 (cut short) S 1 2"), null);
  assert.equal(parseStat(""), null);
  const own = parseStat(Deno.readTextFileSync("/proc/self/stat"));
  assert.equal(own?.pid, Deno.pid);
  assert.ok((own?.start ?? 0) > 0);
});

Deno.test("environValue: finds one NUL-separated variable, exact name only", () => {
  const bytes = new TextEncoder().encode(
    "A=1\0ORCHESTRATOR_RUN_ID_X=no\0ORCHESTRATOR_RUN_ID=7.8.9\0",
  );
  assert.equal(environValue(bytes, "ORCHESTRATOR_RUN_ID"), "7.8.9");
  assert.equal(environValue(bytes, "A"), "1");
  assert.equal(environValue(bytes, "B"), null);
});

Deno.test("cgroup location: hybrid, pure v2, escaped and bind-mounted roots", () => {
  const mountinfo = [
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  ].join("\n");
  const mounts = parseCgroup2Mounts(mountinfo);
  assert.deepEqual(mounts, [{ mountPoint: "/sys/fs/cgroup/unified", root: "/", readOnly: false }]);
  assert.equal(parseOwnCgroup("9:name=systemd:/\n0::/\n"), "/");
  assert.equal(cgroupDirectory(mounts, "/")?.dir, "/sys/fs/cgroup/unified");
  assert.equal(
    cgroupDirectory(mounts, "/system.slice/o.service")?.dir,
    "/sys/fs/cgroup/unified/system.slice/o.service",
  );
  const container = parseCgroup2Mounts(
    "1 0 0:1 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 ro\n" +
      "2 0 0:2 / /mnt/with\\040space rw - cgroup2 cgroup2 rw",
  );
  assert.equal(container[0].readOnly, true);
  assert.equal(container[1].mountPoint, "/mnt/with space");
  assert.equal(cgroupDirectory(container, "/docker/abc/x")?.dir, "/sys/fs/cgroup/x");
  assert.equal(cgroupDirectory(container.slice(0, 1), "/other"), null);
  assert.equal(parseOwnCgroup("4:memory:/a\n"), null, "no v2 line");
  assert.deepEqual(parseCgroup2Mounts("garbage\n\n"), []);
});

Deno.test("cgroup names: owner pid and start time round-trip; agent names are safe", () => {
  assert.equal(ownerCgroupName(12, 345, 1), "orchestrator-12-345");
  assert.equal(ownerCgroupName(12, 345, 3), "orchestrator-12-345-3");
  assert.deepEqual(parseOwnerCgroupName("orchestrator-12-345"), { pid: 12, start: 345 });
  assert.deepEqual(parseOwnerCgroupName("orchestrator-12-345-3"), { pid: 12, start: 345 });
  assert.equal(parseOwnerCgroupName("orchestrator-12"), null);
  assert.equal(parseOwnerCgroupName("orchestrator-test-probe-1"), null);
  assert.equal(agentCgroupName("web.1"), "agent-web.1");
  assert.equal(agentCgroupName("a/b c"), "agent-a_b_c");
  assert.equal(agentCgroupName("x".repeat(400)).length, "agent-".length + 200);
});

Deno.test("run ids: pid.scope.run round-trip; anything else is not ours", () => {
  const id = { pid: 10, scope: 4000000000, run: 7 };
  assert.deepEqual(parseRunId(formatRunId(id)), id);
  assert.equal(parseRunId(null), null);
  assert.equal(parseRunId("10.1"), null);
  assert.equal(parseRunId("10.1.2 "), null);
  assert.equal(parseRunId("a.b.c"), null);
});

Deno.test("parseAdopted: adopted and agent records, bad entries and bad JSON dropped", () => {
  const text = JSON.stringify({
    owner: { pid: 1, start: 2 },
    adopted: [{ pid: 100, start: 5 }, { pid: 1, start: 5 }, { pid: "x", start: 1 }, null],
    agents: [{ pid: 200, start: 6 }, { pid: 201 }],
  });
  assert.deepEqual(parseAdopted(text), [{ pid: 100, start: 5 }, { pid: 200, start: 6 }]);
  assert.deepEqual(parseAdopted("{"), []);
  assert.deepEqual(parseAdopted("[1,2]"), []);
  assert.deepEqual(parseAdopted("null"), []);
});
