import assert from "node:assert/strict";
import {
  cpuNs,
  descendants,
  descendantsOf,
  isAlive,
  memoryOf,
  parseKib,
  parseSchedstat,
  parseStat,
  type ProcStat,
  waitGone,
} from "../../bench/measure/proc.ts";

Deno.test("parseStat: comm with spaces and parentheses", () => {
  const text = "4242 (we (i) rd) S 17 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 5 1 2\n";
  assert.deepEqual(parseStat(text), {
    pid: 4242,
    comm: "we (i) rd",
    state: "S",
    ppid: 17,
    ticks: 10,
  });
  assert.equal(parseStat("garbage"), null);
  assert.equal(parseStat("12 (x) S 1"), null);
});

Deno.test("parseKib and parseSchedstat read /proc formats", () => {
  const status = "Name:\tdeno\nVmPeak:\t  9000 kB\nVmRSS:\t   51234 kB\n";
  assert.equal(parseKib(status, "VmRSS"), 51234);
  assert.equal(parseKib(status, "VmSwap"), 0);
  assert.equal(parseKib("Rss:  10 kB\nPss:  7 kB\n", "Pss"), 7);
  assert.equal(parseSchedstat("123456789 2000 30\n"), 123456789);
  assert.equal(parseSchedstat(""), null);
  assert.equal(parseSchedstat("x y"), null);
});

Deno.test("descendantsOf: whole tree, not siblings, no loop on a cycle", () => {
  const st = (pid: number, ppid: number): ProcStat => ({
    pid,
    ppid,
    comm: "x",
    state: "S",
    ticks: 0,
  });
  const procs = new Map([[10, st(10, 1)], [11, st(11, 10)], [12, st(12, 11)], [13, st(13, 1)]]);
  assert.deepEqual(descendantsOf(10, procs).sort(), [11, 12]);
  assert.deepEqual(descendantsOf(13, procs), []);
  const cyclic = new Map([[20, st(20, 21)], [21, st(21, 20)]]);
  assert.deepEqual(descendantsOf(20, cyclic), [21]);
});

Deno.test("readers on a real process tree: alive, memory, cpu, descendants, gone", async () => {
  const child = new Deno.Command("sh", {
    args: ["-c", "sleep 30 & wait"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    let kids: number[] = [];
    for (let i = 0; i < 100 && kids.length === 0; i++) {
      kids = descendants(child.pid);
      if (kids.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(kids.length, 1);
    assert.ok(isAlive(child.pid));
    assert.ok(memoryOf(child.pid).rssKib > 0);
    assert.notEqual(cpuNs(child.pid), null);
    Deno.kill(kids[0], "SIGKILL");
    assert.deepEqual(await waitGone(kids, { timeoutMs: 5000 }), []);
    await child.status;
    assert.equal(isAlive(child.pid), false);
    assert.deepEqual(memoryOf(child.pid), { rssKib: 0, pssKib: 0 });
    assert.equal(cpuNs(child.pid), null);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }
});
