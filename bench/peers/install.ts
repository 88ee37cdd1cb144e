/**
 * Installs the peers the bench compares with: supervisord and hyperfine from
 * Debian (`apt-get`), PM2 from npm into the scratch folder. Each step is
 * bounded; a failure is reported and the bench goes on without that peer.
 *
 * @module
 */

import { onPath, runCommand } from "../measure/child.ts";

/** The PM2 version the bench installs (the one of the reference peer run). */
export const PM2_VERSION = "7.0.4";

/** What an install step did. */
export interface InstallOutcome {
  ok: boolean;
  /** What happened, for the log and the report. */
  message: string;
}

const POLICY_RC = "/usr/sbin/policy-rc.d";

async function aptInstall(packages: string[], log: (m: string) => void): Promise<boolean> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const argv = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...packages];
  let r = await runCommand(argv, { timeoutMs: 240_000, env });
  if (r.code !== 0) {
    log(`apt-get install failed (exit ${r.code}); running apt-get update first`);
    await runCommand(["apt-get", "update", "-qq"], { timeoutMs: 180_000, env });
    r = await runCommand(argv, { timeoutMs: 240_000, env });
  }
  if (r.code !== 0) log(`apt-get install ${packages.join(" ")} failed: ${r.stderr.slice(-300)}`);
  return r.code === 0;
}

/**
 * Makes sure `supervisord`, `supervisorctl` and `hyperfine` are on PATH,
 * installing the missing Debian packages. While installing, a temporary
 * policy-rc.d keeps the package from starting a system-wide supervisord.
 */
export async function ensureDebianPeers(log: (m: string) => void): Promise<InstallOutcome> {
  const need: string[] = [];
  if (onPath("supervisord") === null || onPath("supervisorctl") === null) need.push("supervisor");
  if (onPath("hyperfine") === null) need.push("hyperfine");
  if (need.length === 0) return { ok: true, message: "supervisor and hyperfine already installed" };
  if (onPath("apt-get") === null) return { ok: false, message: "apt-get not available" };
  let madePolicy = false;
  try {
    try {
      Deno.writeTextFileSync(POLICY_RC, "#!/bin/sh\nexit 101\n", { createNew: true, mode: 0o755 });
      madePolicy = true;
    } catch {
      // one exists already (or not writable): leave it as it is
    }
    log(`apt-get install ${need.join(" ")}`);
    const ok = await aptInstall(need, log);
    return {
      ok,
      message: ok ? `installed ${need.join(", ")}` : `could not install ${need.join(", ")}`,
    };
  } finally {
    if (madePolicy) Deno.removeSync(POLICY_RC);
  }
}

/** Path of the pm2 CLI inside `dir` (an npm prefix). */
export function pm2Bin(dir: string): string {
  return `${dir}/node_modules/.bin/pm2`;
}

/** Installs pm2@PM2_VERSION with npm into `dir` (an npm prefix in the scratch folder). */
export async function ensurePm2(dir: string, log: (m: string) => void): Promise<InstallOutcome> {
  if (onPath("node") === null || onPath("npm") === null) {
    return { ok: false, message: "node/npm not on PATH" };
  }
  try {
    Deno.statSync(pm2Bin(dir));
    return { ok: true, message: `pm2 already installed in ${dir}` };
  } catch {
    // not installed yet
  }
  Deno.mkdirSync(dir, { recursive: true });
  try {
    Deno.writeTextFileSync(`${dir}/package.json`, '{"name":"bench-peers","private":true}\n', {
      createNew: true,
    });
  } catch {
    // already there
  }
  log(`npm install pm2@${PM2_VERSION} into ${dir}`);
  const r = await runCommand(
    ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", `pm2@${PM2_VERSION}`],
    { timeoutMs: 240_000, cwd: dir },
  );
  if (r.code !== 0) {
    return { ok: false, message: `npm install pm2 failed: ${r.stderr.slice(-300)}` };
  }
  return { ok: true, message: `installed pm2@${PM2_VERSION} in ${dir}` };
}
