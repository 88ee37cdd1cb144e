/**
 * Verified callers and command policies on a socket the orchestrator binds
 * itself with `command_socket_verify_peer: true` (docs/systemd.md): clients
 * run as other users (`setpriv` as root, with examples/python_client.py
 * and /usr/bin/python3, which uid 65534 can run), and the audit line, the
 * events and the answers show who the kernel says they are.
 */

import assert from "node:assert/strict";
import { exists, onPath } from "../_host.ts";
import { ControlClient } from "../../lib/control/client.ts";
import { auditLines, type Harness, startHarness } from "./_helpers.ts";

const PYTHON = "/usr/bin/python3";
const CLIENT = new URL("../../examples/python_client.py", import.meta.url).pathname;

const CAN_SWITCH_USER = Deno.uid() === 0 && onPath("setpriv") && exists(PYTHON);

interface PyAnswer {
  /** The client's exit code (0 success, 1 error answer). */
  exit: number;
  code?: number;
  status: string;
  error?: string;
  data?: Record<string, unknown>;
}

/**
 * Runs the Python client as `uid`:`gid` with supplementary `groups`
 * (none: `--clear-groups`), reporting `USER=user`.
 */
async function pyAs(
  h: Harness,
  who: { uid: number; gid: number; groups?: number[]; user: string },
  ...args: string[]
): Promise<PyAnswer> {
  const client = `${h.dir}/client.py`;
  const groups = who.groups === undefined ? ["--clear-groups"] : [`--groups=${who.groups}`];
  const out = await new Deno.Command("setpriv", {
    args: [
      `--reuid=${who.uid}`,
      `--regid=${who.gid}`,
      ...groups,
      PYTHON,
      client,
      h.socket,
      ...args,
    ],
    env: { USER: who.user },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.notEqual(text, "", new TextDecoder().decode(out.stderr));
  return { exit: out.code, ...JSON.parse(text) };
}

/** An orchestrator whose socket any local user may open (0666); policies decide what they run. */
async function startVerified(): Promise<Harness> {
  const h = await startHarness({
    // Not about containment (a cgroup-mode boot reaps other tests' dead orchestrators).
    containment: "process-group",
    command_socket_permissions: 0o666,
    command_socket_verify_peer: true,
    allowed_commands: "basic",
    blocked_commands: ["restart"],
    command_policies: [
      { users: [0], allowed_commands: "all" },
      { users: ["nobody"], allowed_commands: "control", blocked_commands: ["call"] },
      { groups: ["nogroup"], allowed_commands: "monitoring" },
    ],
  });
  await Deno.chmod(h.dir, 0o755);
  await Deno.copyFile(CLIENT, `${h.dir}/client.py`);
  return h;
}

Deno.test({
  name: "verified callers: the audit user is the kernel's uid name; a different report is kept " +
    "as reported_user; stats says the socket is bound with verified peers",
  ignore: !CAN_SWITCH_USER,
  async fn() {
    const h = await startVerified();
    try {
      const mallory = await pyAs(h, { uid: 65534, gid: 65534, user: "mallory" }, "ps");
      assert.equal(mallory.status, "success");
      const plain = await pyAs(h, { uid: 65534, gid: 65534, user: "" }, "status");
      assert.equal(plain.status, "success");

      const c = await ControlClient.connect(h.socket, { identity: { user: "root", uid: 0 } });
      try {
        const stats = await c.request("stats");
        assert.equal(stats.status, "success");
        assert.deepEqual((stats as { data: { socket: unknown } }).data.socket, {
          path: h.socket,
          source: "bound",
          verified_peers: true,
        });
      } finally {
        c.close();
      }

      const lines = await auditLines(h.config.cli_audit_log_path!);
      assert.equal(lines.length, 3);
      assert.match(
        lines[0],
        /^\S+ \[CLI\] user=nobody reported_user=mallory command=ps result=success code=200 duration_ms=[\d.]+ uid=65534 pid=\d+$/,
      );
      assert.match(lines[1], / user=nobody command=status result=success .* uid=65534 pid=\d+$/);
      assert.match(lines[2], / user=root command=stats result=success .* uid=0 pid=\d+$/);
      assert.ok(!lines.join("\n").includes("(reported)"), lines.join("\n"));
      const [ps] = h.store.query({ event: "COMMAND_EXECUTED", limit: 3 }).reverse();
      assert.equal(ps.data.user, "nobody");
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "verified callers: the first policy naming the user or one of its groups decides, " +
    "else allowed_commands; the global blocked_commands always wins; 403 text unchanged",
  ignore: !CAN_SWITCH_USER,
  async fn() {
    const h = await startVerified();
    try {
      const nobody = { uid: 65534, gid: 65534, user: "" };
      // nobody: "control" minus call (its policy) minus restart (global).
      assert.equal((await pyAs(h, nobody, "start", "job")).status, "success");
      const call = await pyAs(h, nobody, "call", "job");
      assert.deepEqual([call.exit, call.code, call.error], [1, 403, "Command 'call' not allowed"]);
      assert.equal(
        (await pyAs(h, nobody, "restart", "web")).error,
        "Command 'restart' not allowed",
      );
      assert.equal((await pyAs(h, nobody, "shutdown")).error, "Command 'shutdown' not allowed");

      // uid 4242, member of nogroup (65534) only as a supplementary group: "monitoring".
      const member = { uid: 4242, gid: 4242, groups: [65534], user: "" };
      assert.equal((await pyAs(h, member, "stats")).status, "success");
      assert.equal((await pyAs(h, member, "start", "job")).error, "Command 'start' not allowed");

      // uid 4243, in no group a policy names: the global "basic".
      const stranger = { uid: 4243, gid: 4243, user: "" };
      assert.equal((await pyAs(h, stranger, "ps")).status, "success");
      assert.equal((await pyAs(h, stranger, "stats")).error, "Command 'stats' not allowed");

      const lines = await auditLines(h.config.cli_audit_log_path!);
      assert.match(lines[0], / user=nobody command=start agent=job result=success /);
      assert.match(lines[1], / user=nobody command=call agent=job result=blocked code=403 /);
      assert.match(lines[4], / user=4242 command=stats result=success .* uid=4242 /);
      assert.match(lines[7], / user=4243 command=stats result=blocked code=403 .* uid=4243 /);
    } finally {
      await h.close();
    }
  },
});
