/** `deno task install`: the launcher it writes, and the command it puts on PATH. */

import assert from "node:assert/strict";
import { installRoot, launcherScript, shellQuote } from "../../tools/install.ts";
import { VERSION } from "../../lib/version.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("install: the launcher execs deno directly on the checkout's cli.ts", () => {
  assert.equal(shellQuote("/a b/it's"), `'/a b/it'\\''s'`);
  assert.equal(
    launcherScript({ deno: "/opt/deno", cli: "/src/o/cli.ts", config: "/src/o/deno.json" }),
    "#!/bin/sh\n" +
      "# orchestrator launcher written by `deno task install`: runs the checkout's cli.ts.\n" +
      "exec '/opt/deno' run -A --quiet --no-prompt --config '/src/o/deno.json' " +
      `'/src/o/cli.ts' "$@"\n`,
  );
});

Deno.test("install: the root is --root, else DENO_INSTALL_ROOT, else ~/.local", () => {
  const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });
  assert.equal(installRoot("/r", env({ DENO_INSTALL_ROOT: "/d", HOME: "/h" })), "/r");
  assert.equal(installRoot(undefined, env({ DENO_INSTALL_ROOT: "/d", HOME: "/h" })), "/d");
  assert.equal(installRoot(undefined, env({ DENO_INSTALL_ROOT: "", HOME: "/h" })), "/h/.local");
  assert.throws(() => installRoot(undefined, env({})), /HOME is not set: pass --root DIR/);
});

Deno.test("install: deno task install --root puts a working orchestrator in ROOT/bin", async () => {
  const root = await Deno.makeTempDir({ dir: "/tmp", prefix: "oinst" });
  try {
    const task = await new Deno.Command(Deno.execPath(), {
      args: ["task", "install", "--root", root],
      cwd: ROOT,
      env: { PATH: `${root}/bin:${Deno.env.get("PATH") ?? ""}` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const printed = new TextDecoder().decode(task.stdout);
    assert.equal(task.code, 0, new TextDecoder().decode(task.stderr));
    assert.match(printed, new RegExp(`^Installed ${root}/bin/orchestrator \\(runs `));
    assert.doesNotMatch(printed, /Add its directory to PATH/); // it is on this PATH
    const info = await Deno.stat(`${root}/bin/orchestrator`);
    assert.equal(info.mode! & 0o777, 0o755);

    // From another directory, by name through PATH, as a user would call it.
    const version = await new Deno.Command("orchestrator", {
      args: ["--version"],
      cwd: "/",
      env: { PATH: `${root}/bin:/usr/bin:/bin` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(version.code, 0, new TextDecoder().decode(version.stderr));
    assert.equal(new TextDecoder().decode(version.stdout), `orchestrator ${VERSION}\n`);

    const again = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}tools/install.ts`, "--root", root],
      env: { PATH: "/usr/bin:/bin" },
      stdout: "piped",
    }).output();
    assert.equal(again.code, 0, "a second install replaces the first");
    assert.match(
      new TextDecoder().decode(again.stdout),
      new RegExp(`Add its directory to PATH: export PATH="${root}/bin:\\$PATH"`),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
