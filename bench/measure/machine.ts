/**
 * Facts about the machine a run was made on, for the report.
 *
 * @module
 */

import { onPath, runCommand } from "./child.ts";
import { median } from "./percentiles.ts";

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** First value of `key` in /proc/cpuinfo-like text (pure). */
export function cpuinfoValue(text: string, key: string): string | null {
  for (const line of text.split("\n")) {
    const at = line.indexOf(":");
    if (at > 0 && line.slice(0, at).trim() === key) return line.slice(at + 1).trim();
  }
  return null;
}

/** Median ms to spawn and reap `true` (`count` times): a machine-speed probe. */
export async function spawnProbeMs(count = 50): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await new Deno.Command("true", { stdin: "null", stdout: "null", stderr: "null" }).output();
    times.push(performance.now() - t);
  }
  return Math.round(median(times) * 1000) / 1000;
}

/** cpu, nproc, mem, os, kernel, deno, hyperfine, load average. */
export async function machineInfo(): Promise<[string, string][]> {
  const cpu = cpuinfoValue(read("/proc/cpuinfo"), "model name") ?? "?";
  const memKib = Number(cpuinfoValue(read("/proc/meminfo"), "MemTotal")?.split(/\s+/)[0] ?? 0);
  const os = /PRETTY_NAME="?([^"\n]*)"?/.exec(read("/etc/os-release"))?.[1] ?? Deno.build.os;
  let hyperfine = "not installed (own timing)";
  if (onPath("hyperfine") !== null) {
    hyperfine = (await runCommand(["hyperfine", "--version"], { timeoutMs: 10_000 })).stdout.trim();
  }
  return [
    ["cpu", cpu],
    ["nproc", String(navigator.hardwareConcurrency)],
    ["mem", `${Math.round(memKib / 1024)} MiB`],
    ["os", os],
    ["kernel", Deno.osRelease()],
    ["deno", `${Deno.version.deno} (V8 ${Deno.version.v8})`],
    ["hyperfine", hyperfine],
    ["load average at start", read("/proc/loadavg").split(" ").slice(0, 3).join(" ")],
    ["spawn probe at start", `${await spawnProbeMs()} ms (median spawn+reap of \`true\`)`],
  ];
}
