import assert from "node:assert/strict";
import { OrchestratorError } from "../../lib/errors.ts";
import {
  adoptListenFds,
  controlFd,
  LISTEN_ENV,
  listenFds,
  MAX_LISTEN_FDS,
  unsetListenEnv,
} from "../../lib/systemd/activation.ts";

function mapEnv(values: Record<string, string>) {
  const map = new Map(Object.entries(values));
  const env = {
    get: (k: string) => map.get(k),
    delete: (k: string) => void map.delete(k),
    set: (k: string, v: string) => void map.set(k, v),
    has: (k: string) => map.has(k),
    toObject: () => Object.fromEntries(map),
  };
  return { map, env };
}

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OrchestratorError);
    assert.equal(e.message, message);
    return true;
  });
}

Deno.test('listenFds: descriptors from 3 on, named by LISTEN_FDNAMES or "unknown"', () => {
  assert.deepEqual(
    listenFds({ LISTEN_PID: "42", LISTEN_FDS: "2", LISTEN_FDNAMES: "control:extra" }, 42),
    { fds: [{ fd: 3, name: "control" }, { fd: 4, name: "extra" }] },
  );
  assert.deepEqual(listenFds({ LISTEN_PID: "42", LISTEN_FDS: "1" }, 42), {
    fds: [{ fd: 3, name: "unknown" }],
  });
});

Deno.test("listenFds: nothing passed — unset, meant for another process, or zero descriptors", () => {
  assert.equal(listenFds({}, 42), null);
  assert.equal(listenFds({ LISTEN_FDS: "1" }, 42), null);
  assert.equal(listenFds({ LISTEN_PID: "41", LISTEN_FDS: "1" }, 42), null);
  assert.equal(listenFds({ LISTEN_PID: "42" }, 42), null);
  assert.equal(listenFds({ LISTEN_PID: "42", LISTEN_FDS: "0" }, 42), null);
});

Deno.test("listenFds: malformed values are errors naming the variable", () => {
  rejects(
    () => listenFds({ LISTEN_PID: "me", LISTEN_FDS: "1" }, 42),
    'Invalid LISTEN_PID "me": not a process id',
  );
  rejects(
    () => listenFds({ LISTEN_PID: "0", LISTEN_FDS: "1" }, 42),
    'Invalid LISTEN_PID "0": not a process id',
  );
  rejects(
    () => listenFds({ LISTEN_PID: "42", LISTEN_FDS: "-1" }, 42),
    'Invalid LISTEN_FDS "-1": not a count of descriptors',
  );
  rejects(
    () => listenFds({ LISTEN_PID: "42", LISTEN_FDS: String(MAX_LISTEN_FDS + 1) }, 42),
    `Invalid LISTEN_FDS "${MAX_LISTEN_FDS + 1}": more than ${MAX_LISTEN_FDS} descriptors`,
  );
  rejects(
    () => listenFds({ LISTEN_PID: "42", LISTEN_FDS: "2", LISTEN_FDNAMES: "control" }, 42),
    'Invalid LISTEN_FDNAMES "control": 1 names for 2 descriptors',
  );
  rejects(
    () => listenFds({ LISTEN_PID: "x".repeat(500), LISTEN_FDS: "1" }, 42),
    `Invalid LISTEN_PID "${"x".repeat(64)}…": not a process id`,
  );
});

Deno.test("controlFd: the only descriptor, else the one named control, else an error listing the names", () => {
  assert.deepEqual(controlFd({ fds: [{ fd: 3, name: "unknown" }] }), { fd: 3, name: "unknown" });
  assert.deepEqual(
    controlFd({ fds: [{ fd: 3, name: "metrics" }, { fd: 4, name: "control" }] }),
    { fd: 4, name: "control" },
  );
  rejects(
    () => controlFd({ fds: [{ fd: 3, name: "a" }, { fd: 4, name: "b" }] }),
    'Cannot choose the control socket among 2 passed descriptors ("a", "b"): ' +
      'name exactly one "control" (FileDescriptorName=control)',
  );
});

Deno.test("unsetListenEnv and adoptListenFds: the variables leave the environment in every case", () => {
  const a = mapEnv({ LISTEN_PID: "42", LISTEN_FDS: "1", LISTEN_FDNAMES: "x", HOME: "/root" });
  unsetListenEnv(a.env);
  assert.deepEqual([...a.map.keys()], ["HOME"]);

  // Meant for another process: not taken, still removed.
  const b = mapEnv({ LISTEN_PID: "41", LISTEN_FDS: "1" });
  assert.equal(adoptListenFds({ env: b.env as unknown as Deno.Env, pid: 42 }), null);
  assert.equal(b.map.size, 0);

  // Malformed: removed, then the error.
  const c = mapEnv({ LISTEN_PID: "42", LISTEN_FDS: "many" });
  assert.throws(() => adoptListenFds({ env: c.env as unknown as Deno.Env, pid: 42 }), /LISTEN_FDS/);
  assert.equal(c.map.size, 0);
  assert.deepEqual(LISTEN_ENV, ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]);
});
