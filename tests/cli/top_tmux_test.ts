/**
 * `orchestrator top` in a real terminal: tmux (80×24, private server)
 * against a real `orchestrator run`. The view shows the agents, a sort key
 * reorders them, stopping the selected agent changes its state, a resize
 * redraws at the new size, and `q` quits with the terminal restored
 * (alternate screen off, cursor shown, raw mode off). Without a terminal,
 * `top` exits 2.
 */

import assert from "node:assert/strict";
import { CLI, cli, startOrchestrator } from "./_orchestrator.ts";
import { requestOnce } from "../../lib/control/client.ts";

function onPath(program: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${program}`).isFile;
    } catch {
      return false;
    }
  });
}

const HAS_TMUX = onPath("tmux");

/** One private tmux server (its own socket name), ended by `close()`. */
class Tmux {
  readonly #name = `orch-top-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;

  async run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.#name, "-f", "/dev/null", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return new TextDecoder().decode(out.stdout);
  }

  /** The pane's text, one string per line. */
  async screen(): Promise<string[]> {
    return (await this.run("capture-pane", "-p")).replace(/\n$/, "").split("\n");
  }

  async flags(): Promise<{ alternate: boolean; cursor: boolean }> {
    const text = await this.run("display-message", "-p", "#{alternate_on} #{cursor_flag}");
    const [alternate, cursor] = text.trim().split(" ");
    return { alternate: alternate === "1", cursor: cursor === "1" };
  }

  keys(...keys: string[]): Promise<string> {
    return this.run("send-keys", ...keys);
  }

  /** Waits until the screen satisfies `check`; fails with the screen after `ms`. */
  async until(what: string, check: (lines: string[]) => boolean, ms = 10_000): Promise<string[]> {
    const end = Date.now() + ms;
    for (;;) {
      const lines = await this.screen();
      if (check(lines)) return lines;
      if (Date.now() > end) throw new Error(`Timed out waiting for ${what}:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    await this.run("kill-server").catch(() => {});
  }
}

/** The agent names of the table rows, top to bottom. */
function order(lines: string[]): string[] {
  const header = lines.findIndex((l) => /^ {2}NAME +STATE/.test(l));
  const out: string[] = [];
  for (const line of lines.slice(header + 1)) {
    const m = /^[> ] (\S+) +(\S+)/.exec(line);
    if (m === null) break;
    out.push(m[1]);
  }
  return out;
}

function rowOf(lines: string[], name: string): string | undefined {
  return lines.find((l) => new RegExp(`^[> ] ${name} `).test(l));
}

/**
 * Starts `top` in an 80×24 tmux session; when it ends, the shell writes its
 * exit code to `exit` and `stty -a` to `stty` in the orchestrator's dir.
 */
async function startTop(tmux: Tmux, o: { socket: string; dir: string }): Promise<void> {
  const script = `"$0" run -A "$1" top --socket "$2"; echo "EXIT=$?" > "$3/exit"; ` +
    `stty -a > "$3/stty"; sleep 60`;
  await tmux.run(
    "new-session",
    "-d",
    "-x",
    "80",
    "-y",
    "24",
    "sh",
    "-c",
    script,
    Deno.execPath(),
    CLI,
    o.socket,
    o.dir,
  );
}

function sleeper(name: string) {
  return { name, tool_call_template: { command: "sleep", args: ["300"] } };
}

Deno.test({
  name:
    "top in tmux: shows the agents, sorts, stops the selected one, redraws on resize, q restores",
  ignore: !HAS_TMUX,
  fn: async () => {
    const o = await startOrchestrator({
      resource_sample_interval: 0.2,
      agents: [
        sleeper("alpha"),
        {
          name: "busy",
          tool_call_template: { command: "sh", args: ["-c", "exec yes > /dev/null"] },
        },
        sleeper("gamma"),
      ],
    });
    const tmux = new Tmux();
    try {
      await startTop(tmux, o);
      let lines = await tmux.until("the agents", (l) => order(l).length === 3);
      assert.deepEqual(order(lines), ["alpha", "busy", "gamma"], "config order");
      assert.equal(lines.length, 24);
      assert.match(lines[23], /^q quit/);
      assert.deepEqual(await tmux.flags(), { alternate: true, cursor: false });

      // c: by CPU, the busy agent first once it has been sampled.
      await tmux.keys("c");
      lines = await tmux.until("busy first by CPU", (l) => order(l)[0] === "busy");
      assert.match(lines[1], /^sort: CPU/);
      await tmux.keys("n", "n");
      await tmux.until("by name, reversed", (l) => order(l).join() === "gamma,busy,alpha");

      // The selection is still alpha (the first agent): move to busy, stop it.
      await tmux.keys("k");
      await tmux.until("busy selected", (l) => rowOf(l, "busy")?.startsWith(">") === true);
      await tmux.keys("x");
      await tmux.until("the prompt", (l) => /^Stop agent "busy"\? \(y\/n\)/.test(l[1]));
      await tmux.keys("y");
      lines = await tmux.until(
        "busy stopped",
        (l) => /^> busy +stopped /.test(rowOf(l, "busy") ?? ""),
      );
      assert.match(lines[1], /Agent "busy" is stopped/);
      const ps = await requestOnce(o.socket, { command: "status", args: ["busy"] });
      assert.equal((ps as { data: { state: string } }).data.state, "stopped");

      // A resize redraws at the new size (SIGWINCH).
      await tmux.run("resize-window", "-x", "100", "-y", "30");
      lines = await tmux.until("redrawn at 100×30", (l) => /^q quit/.test(l[29] ?? ""));
      assert.equal(order(lines).length, 3);

      await tmux.keys("q");
      const exit = await waitForFile(`${o.dir}/exit`);
      assert.equal(exit.trim(), "EXIT=0");
      assert.deepEqual(await tmux.flags(), { alternate: false, cursor: true });
      const stty = await waitForFile(`${o.dir}/stty`);
      assert.match(stty, /(^|\s)icanon(\s|$)/, "canonical mode back on");
      assert.match(stty, /(^|\s)echo(\s|$)/, "echo back on");
    } finally {
      await tmux.close();
      const result = await o.stop();
      assert.equal(result.code, 0, result.stderr);
    }
  },
});

Deno.test({
  name: "top in tmux: SIGTERM restores the terminal too",
  ignore: !HAS_TMUX,
  fn: async () => {
    const o = await startOrchestrator({ agents: [sleeper("alpha")] });
    const tmux = new Tmux();
    try {
      await startTop(tmux, o);
      await tmux.until("the agent", (l) => order(l).length === 1);
      const shell = Number((await tmux.run("display-message", "-p", "#{pane_pid}")).trim());
      const top = childrenOf(shell);
      assert.equal(top.length, 1, "top runs under the pane's shell");
      Deno.kill(top[0], "SIGTERM");
      assert.equal((await waitForFile(`${o.dir}/exit`)).trim(), "EXIT=0");
      assert.deepEqual(await tmux.flags(), { alternate: false, cursor: true });
      assert.match(await waitForFile(`${o.dir}/stty`), /(^|\s)icanon(\s|$)/);
    } finally {
      await tmux.close();
      await o.stop();
    }
  },
});

/** The children of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`);
  return text.split(" ").filter((w) => w !== "").map(Number);
}

async function waitForFile(path: string, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const text = await Deno.readTextFile(path);
      if (text !== "") return text;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`${path} was not written`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("top: exits 2 with a message when stdout is not a terminal", async () => {
  const r = await cli(["top", "--socket", "/tmp/nothing-here.sock"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Cannot run top: stdout is not a terminal/);
  assert.equal(r.stdout, "");
});
