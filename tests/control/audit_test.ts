import assert from "node:assert/strict";
import { AuditLog, auditTimestamp, auditValue, formatAuditLine } from "../../lib/control/audit.ts";
import { shortTempDir } from "./_helpers.ts";

const T = new Date("2025-07-27T10:30:00.456Z");

Deno.test("audit: the documented line format, extra fields after", () => {
  assert.equal(
    formatAuditLine({
      time: T,
      user: "admin",
      reported: false,
      command: "start",
      agent: "WeatherAgent",
      result: "success",
      code: 200,
      durationMs: 0.2,
    }),
    "2025-07-27T10:30:00Z [CLI] user=admin command=start agent=WeatherAgent result=success code=200 duration_ms=0.2",
  );
  assert.equal(
    formatAuditLine({
      time: T,
      user: "monitor",
      reported: true,
      command: "shutdown",
      result: "blocked",
      code: 403,
      durationMs: 0.01,
      uid: 1001,
      pid: 77,
      error: "Command 'shutdown' not allowed",
    }),
    "2025-07-27T10:30:00Z [CLI] user=monitor(reported) command=shutdown result=blocked code=403 " +
      `duration_ms=0.01 uid=1001 pid=77 error="Command 'shutdown' not allowed"`,
  );
});

Deno.test("audit: a verified user is not marked; what it reported instead follows as reported_user", () => {
  assert.equal(
    formatAuditLine({
      time: T,
      user: "alice",
      reported: false,
      reportedUser: "bob smith",
      command: "stats",
      result: "success",
      code: 200,
      durationMs: 0.2,
      uid: 1000,
      pid: 4250,
    }),
    '2025-07-27T10:30:00Z [CLI] user=alice reported_user="bob smith" command=stats ' +
      "result=success code=200 duration_ms=0.2 uid=1000 pid=4250",
  );
});

Deno.test("audit: values that could forge a line or a field are quoted and escaped", () => {
  const evil = "x result=success\n2025-07-27T10:30:00Z [CLI] user=root command=shutdown";
  const line = formatAuditLine({
    time: T,
    user: evil,
    reported: true,
    command: "ps",
    result: "error",
    code: 400,
    durationMs: 1,
  });
  assert.equal(line.includes("\n"), false);
  // The whole forged text sits inside one quoted value; the real fields follow it.
  assert.match(line, /^\S+ \[CLI\] user="(?:[^"\\]|\\.)*" command=ps result=error code=400 /);
  assert.ok(line.startsWith('2025-07-27T10:30:00Z [CLI] user="x result=success\\n2025'));
  assert.equal(auditValue(""), '""');
  assert.equal(auditValue('a"b'), '"a\\"b"');
  assert.equal(auditValue("web-1.prod"), "web-1.prod");
});

Deno.test("audit: AuditLog appends one line per write and keeps earlier content", async () => {
  const dir = await shortTempDir();
  try {
    const path = `${dir}/sub/audit.log`;
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(path, "existing line\n");
    const modeBefore = (await Deno.stat(path)).mode! & 0o777;
    const log = await AuditLog.open({ path, log: false });
    for (const command of ["ps", "stats"]) {
      log.write({
        time: T,
        user: "a",
        reported: true,
        command,
        result: "success",
        code: 200,
        durationMs: 0,
      });
      // written through at once: visible before close
      assert.ok((await Deno.readTextFile(path)).includes(`command=${command}`));
    }
    log.close();
    const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
    assert.equal(lines.length, 3);
    assert.equal(lines[0], "existing line");
    assert.equal((await Deno.stat(path)).mode! & 0o777, modeBefore);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("audit: a new audit file is created with mode 0600", async () => {
  const dir = await shortTempDir();
  try {
    const log = await AuditLog.open({ path: `${dir}/a/b/audit.log`, log: false });
    log.close();
    assert.equal((await Deno.stat(`${dir}/a/b/audit.log`)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("audit: timestamps are right when requests share a second and when seconds change", () => {
  const times = [
    "2025-07-27T10:30:00.000Z",
    "2025-07-27T10:30:00.999Z",
    "2025-07-27T10:30:01.000Z",
    "2025-07-27T10:29:59.500Z", // the clock stepped back
    "2025-07-27T10:30:01.250Z",
    "1969-12-31T23:59:59.500Z", // before the epoch: seconds round down
  ];
  for (const t of times) assert.equal(auditTimestamp(new Date(t)), t.slice(0, 19) + "Z");
  assert.throws(() => auditTimestamp(new Date(Number.NaN)), RangeError);
});
