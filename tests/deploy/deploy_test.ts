import assert from "node:assert/strict";
import { onPath } from "../_host.ts";
import { parse as parseJsonc } from "jsonc-parser";
import { CONTROL_FD_NAME } from "../../lib/systemd/activation.ts";
import { cli, spawnRun, waitUntilServing } from "../cli/_orchestrator.ts";
import { parseYamlSubset } from "./_yaml_subset.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => Deno.readTextFileSync(`${ROOT}${path}`);

const BINARY = "/usr/local/bin/orchestrator";
const CONFIG_PATH = "/etc/orchestrator/config.jsonc";
const SOCKET = "/run/orchestrator/orchestrator.sock";
const STATE_DIR = "/var/lib/orchestrator";
const LOGS_DIR = "/var/log/orchestrator";

/** A systemd unit as section → key → values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const units = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = new Map();
      units.set(header[1], section);
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(section !== null && eq > 0, `not a unit line: ${line}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return units;
}

function one(unit: Map<string, Map<string, string[]>>, section: string, key: string): string {
  const values = unit.get(section)?.get(key);
  assert.ok(values !== undefined && values.length === 1, `[${section}] ${key}= once`);
  return values[0];
}

/** A Dockerfile's instructions (continuations joined), split into stages at FROM. */
function parseDockerfile(text: string): { instruction: string; args: string }[][] {
  const joined = text.split("\n").filter((l) => !l.trimStart().startsWith("#")).join("\n")
    .replace(/\\\n/g, " ");
  const stages: { instruction: string; args: string }[][] = [];
  for (const line of joined.split("\n")) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    if (m[1] === "FROM") stages.push([]);
    stages[stages.length - 1].push({ instruction: m[1], args: m[2].replace(/\s+/g, " ").trim() });
  }
  return stages;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** The file as PyYAML loads it, or null when no python3 with PyYAML is installed. */
async function pyYaml(path: string): Promise<unknown> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const out = await new Deno.Command(python, {
      args: [
        "-c",
        "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        path,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output().catch(() => null);
    if (out !== null && out.success) return JSON.parse(new TextDecoder().decode(out.stdout));
  }
  return null;
}

function pod(): Json {
  return parseYamlSubset(read("deploy/kubernetes/pod.yaml"));
}

function deployConfig(): Json {
  return parseJsonc(read("deploy/config.jsonc"));
}

Deno.test({
  name: "systemd units: systemd-analyze verify accepts them without a warning",
  ignore: !onPath("systemd-analyze"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "units" });
    try {
      // verify checks that ExecStart= is executable: point it at a stub in this dir only.
      await Deno.writeTextFile(`${dir}/orchestrator`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      await Deno.writeTextFile(
        `${dir}/orchestrator.service`,
        read("deploy/systemd/orchestrator.service").replaceAll(BINARY, `${dir}/orchestrator`),
      );
      await Deno.writeTextFile(
        `${dir}/orchestrator.socket`,
        read("deploy/systemd/orchestrator.socket"),
      );
      const out = await new Deno.Command("systemd-analyze", {
        args: ["verify", "orchestrator.socket", "orchestrator.service"],
        cwd: dir,
        env: { SYSTEMD_LOG_COLOR: "0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.equal(text.trim(), "", "no warnings");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("systemd units: notify with watchdog and reload, mixed kill, a 0660 admin socket named control, no JIT-breaking hardening", () => {
  const service = parseUnit(read("deploy/systemd/orchestrator.service"));
  const socket = parseUnit(read("deploy/systemd/orchestrator.socket"));
  assert.equal(one(service, "Service", "Type"), "notify");
  assert.equal(one(service, "Service", "NotifyAccess"), "main");
  assert.equal(one(service, "Service", "KillMode"), "mixed");
  assert.equal(one(service, "Service", "ExecStart"), `${BINARY} run ${CONFIG_PATH}`);
  assert.equal(one(service, "Service", "ExecReload"), "/bin/kill -HUP $MAINPID");
  assert.match(one(service, "Service", "WatchdogSec"), /^[0-9]+$/);
  assert.equal(one(service, "Service", "User"), "orchestrator");
  assert.equal(one(service, "Service", "NoNewPrivileges"), "yes");
  assert.equal(one(service, "Service", "ProtectSystem"), "strict");
  for (const broken of ["MemoryDenyWriteExecute", "SystemCallFilter", "PrivateUsers"]) {
    assert.equal(service.get("Service")!.has(broken), false, `${broken}= is not set`);
  }
  // The directories systemd creates are the config's.
  const config = deployConfig();
  assert.equal(`/run/${one(service, "Service", "RuntimeDirectory")}`, "/run/orchestrator");
  assert.equal(`/var/lib/${one(service, "Service", "StateDirectory")}`, STATE_DIR);
  assert.equal(`/var/log/${one(service, "Service", "LogsDirectory")}`, LOGS_DIR);
  assert.ok(config.event_store_path.startsWith(`${STATE_DIR}/`));
  assert.equal(config.log_dir, LOGS_DIR);
  assert.ok(config.cli_audit_log_path.startsWith(`${LOGS_DIR}/`));
  assert.equal(
    one(service, "Service", "Environment"),
    `ORCHESTRATOR_SOCKET_PATH=${SOCKET}`,
  );

  assert.equal(one(socket, "Socket", "ListenStream"), SOCKET);
  assert.equal(config.command_socket_path, SOCKET);
  assert.equal(one(socket, "Socket", "SocketMode"), config.command_socket_permissions);
  assert.equal(one(socket, "Socket", "SocketGroup"), "orchestrator-admin");
  assert.equal(one(socket, "Socket", "FileDescriptorName"), CONTROL_FD_NAME);
  assert.equal(one(socket, "Socket", "RemoveOnStop"), "yes");
  assert.equal(one(service, "Unit", "Requires"), "orchestrator.socket");
});

Deno.test("deploy/config.jsonc: validates with no error and no warning", async () => {
  const run = await cli(["validate", "--json", `${ROOT}deploy/config.jsonc`]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(
    report.results.filter((r: { severity: string }) => r.severity !== "info"),
    [],
  );
});

Deno.test("Dockerfile: compiles in a build stage (DENORT_BIN honoured); ships binary, config, volumes, a fast healthcheck", () => {
  const [build, final] = parseDockerfile(read("deploy/docker/Dockerfile"));
  const runs = build.filter((i) => i.instruction === "RUN").map((i) => i.args).join(" ");
  assert.match(runs, /deno task compile/);
  assert.match(runs, /DENORT_BIN/);
  assert.ok(build.some((i) => i.instruction === "ARG" && i.args.startsWith("DENORT_BIN")));
  const args = (name: string) => final.filter((i) => i.instruction === name).map((i) => i.args);
  assert.ok(args("COPY").includes(`--from=build /src/dist/orchestrator ${BINARY}`));
  assert.ok(args("COPY").includes(`deploy/config.jsonc ${CONFIG_PATH}`));
  assert.deepEqual(args("ENV"), [`ORCHESTRATOR_SOCKET_PATH=${SOCKET}`]);
  assert.deepEqual(JSON.parse(args("VOLUME")[0]), ["/run/orchestrator", STATE_DIR, LOGS_DIR]);
  const health = /CMD (\[.*\])$/.exec(args("HEALTHCHECK")[0]);
  assert.ok(health);
  assert.deepEqual(JSON.parse(health[1]), [BINARY, "status", "--timeout", "2"]);
  assert.match(args("HEALTHCHECK")[0], /--timeout=5s/, "the check's timeout exceeds the CLI's");
  assert.deepEqual(JSON.parse(args("CMD")[0]), ["run", CONFIG_PATH]);
  assert.match(args("ENTRYPOINT")[0], new RegExp(`"${BINARY}"\\]$`));
  // What the build copies exists in the repository.
  assert.ok(Deno.statSync(`${ROOT}deploy/config.jsonc`).isFile);
  assert.ok(JSON.parse(read("deno.json")).tasks.compile.includes("--output dist/orchestrator"));
});

Deno.test({
  name:
    "pod.yaml: parses (as PyYAML does, when installed) into a pod with a native CLI sidecar sharing the socket",
  async fn() {
    const p = pod();
    const viaPyYaml = await pyYaml(`${ROOT}deploy/kubernetes/pod.yaml`);
    if (viaPyYaml !== null) assert.deepEqual(p, viaPyYaml);
    assert.equal(p.kind, "Pod");
    const [sidecar] = p.spec.initContainers;
    const [main] = p.spec.containers;
    assert.equal(sidecar.restartPolicy, "Always");
    const socketVolume = p.spec.volumes.find((v: Json) => v.name === "socket");
    assert.ok(socketVolume.emptyDir);
    for (const c of [sidecar, main]) {
      const mount = c.volumeMounts.find((m: Json) => m.name === "socket");
      assert.equal(mount.mountPath, "/run/orchestrator", c.name);
      assert.deepEqual(c.env, [{ name: "ORCHESTRATOR_SOCKET_PATH", value: SOCKET }]);
    }
    const mounts = Object.fromEntries(
      main.volumeMounts.map((m: Json) => [m.name, m.mountPath]),
    );
    assert.equal(mounts.state, STATE_DIR);
    assert.equal(mounts.logs, LOGS_DIR);
    assert.deepEqual(main.args, ["run", CONFIG_PATH]);
    assert.equal(sidecar.securityContext.runAsGroup, p.spec.securityContext.fsGroup);
    const stopTimeouts = deployConfig().agents.map((a: Json) => a.stop_timeout ?? 10);
    assert.ok(p.spec.terminationGracePeriodSeconds > Math.max(...stopTimeouts));
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const { command } = main[probe].exec;
      assert.equal(command[0], BINARY);
      const cliTimeout = Number(command[command.indexOf("--timeout") + 1]);
      assert.ok(main[probe].timeoutSeconds > cliTimeout, `${probe}: timeoutSeconds > --timeout`);
    }
  },
});

Deno.test("pod.yaml, Dockerfile: the probe and healthcheck commands answer 0 from the shipped config, 3 without an orchestrator", async () => {
  const p = pod().spec.containers[0];
  const [, final] = parseDockerfile(read("deploy/docker/Dockerfile"));
  const health = JSON.parse(
    /CMD (\[.*\])$/.exec(final.find((i) => i.instruction === "HEALTHCHECK")!.args)![1],
  );
  const commands: string[][] = [
    health,
    ...["startupProbe", "livenessProbe", "readinessProbe"].map((k) => p[k].exec.command),
  ];
  // The shipped config, its directories moved into a temp dir.
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "dp" });
  const config = `${dir}/config.jsonc`;
  await Deno.writeTextFile(
    config,
    read("deploy/config.jsonc").replaceAll("/run/orchestrator", `${dir}/run`)
      .replaceAll(STATE_DIR, `${dir}/state`).replaceAll(LOGS_DIR, `${dir}/logs`),
  );
  // As StateDirectory=/LogsDirectory= (systemd) and the image's `install -d` create them.
  for (const sub of ["run", "state", "logs"]) await Deno.mkdir(`${dir}/${sub}`);
  const socket = `${dir}/run/orchestrator.sock`;
  const env = { ORCHESTRATOR_SOCKET_PATH: socket };
  try {
    for (const command of commands) {
      assert.equal(command[0], BINARY);
      const run = await cli(command.slice(1), { env });
      assert.equal(run.code, 3, `${command.join(" ")}: ${run.stderr}`);
    }
    const { child, done } = spawnRun(config);
    try {
      await waitUntilServing(socket, done);
      for (const command of commands) {
        const run = await cli(command.slice(1), { env });
        assert.equal(run.code, 0, `${command.join(" ")}: ${run.stdout}${run.stderr}`);
      }
    } finally {
      try {
        child.kill("SIGTERM");
      } catch {
        // exited already: the assertion below says how
      }
    }
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("docs/systemd.md: shows the shipped units, Dockerfile and pod as they are, and the admin steps", () => {
  const doc = read("docs/systemd.md");
  for (
    const file of [
      "deploy/systemd/orchestrator.socket",
      "deploy/systemd/orchestrator.service",
      "deploy/docker/Dockerfile",
      "deploy/kubernetes/pod.yaml",
    ]
  ) {
    assert.ok(doc.includes(read(file).trimEnd()), `${file} appears verbatim`);
  }
  for (
    const text of [
      "usermod -aG orchestrator-admin",
      "journalctl -u orchestrator",
      `export ORCHESTRATOR_SOCKET_PATH=${SOCKET}`,
      "READY=1",
      "STATUS=",
      "RELOADING=1",
      "STOPPING=1",
      "WATCHDOG=1",
      "MONOTONIC_USEC",
      "restartPolicy: Always",
    ]
  ) {
    assert.ok(doc.includes(text), text);
  }
});
