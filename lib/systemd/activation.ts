/**
 * Socket activation (docs/systemd.md, "Socket activation"): the service
 * manager binds the control socket and passes it as an open descriptor,
 * starting at {@link SD_LISTEN_FDS_START}, with `LISTEN_PID` (the process
 * they are meant for), `LISTEN_FDS` (how many) and `LISTEN_FDNAMES` (their
 * names, `:`-separated; `FileDescriptorName=` in the socket unit).
 *
 * {@link listenFds} and {@link controlFd} are pure decisions;
 * {@link adoptListenFds} is the shell: it reads the environment, marks the
 * descriptors close-on-exec and removes the variables, so agents inherit
 * neither the sockets nor variables that would name them.
 *
 * @module
 */

import { OrchestratorError } from "../errors.ts";
import { setCloseOnExec } from "../libc.ts";
import { DECIMAL, type Environment, invalidVariable } from "./env.ts";

/** The first passed descriptor; the others follow (4, 5, …). */
export const SD_LISTEN_FDS_START = 3;

/** The variables of the socket activation protocol. */
export const LISTEN_ENV = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] as const;

/** Most descriptors accepted from `LISTEN_FDS` (a larger count is an error, not an allocation). */
export const MAX_LISTEN_FDS = 1024;

/** The name of the descriptor to serve when several are passed (`FileDescriptorName=control`). */
export const CONTROL_FD_NAME = "control";

/** One passed descriptor and its name (`"unknown"` when `LISTEN_FDNAMES` is unset, as in systemd). */
export interface ListenFd {
  fd: number;
  name: string;
}

/** The descriptors passed to this process. */
export interface Activation {
  fds: ListenFd[];
}

/**
 * The descriptors the service manager passed to process `pid`, or `null`
 * when none were: `LISTEN_PID` unset, naming another process (the variables
 * were inherited from a parent), or `LISTEN_FDS` unset or `0`. Throws an
 * error naming the variable when a value is malformed, when `LISTEN_FDS`
 * exceeds {@link MAX_LISTEN_FDS}, or when `LISTEN_FDNAMES` holds a different
 * number of names.
 *
 * @example
 * ```ts
 * listenFds({ LISTEN_PID: "42", LISTEN_FDS: "1", LISTEN_FDNAMES: "control" }, 42);
 * // { fds: [{ fd: 3, name: "control" }] }
 * ```
 */
export function listenFds(env: Environment, pid: number): Activation | null {
  const listenPid = env.LISTEN_PID;
  if (listenPid === undefined) return null;
  if (!DECIMAL.test(listenPid) || Number(listenPid) === 0) {
    throw invalidVariable("LISTEN_PID", listenPid, "not a process id");
  }
  if (Number(listenPid) !== pid) return null;
  const count = env.LISTEN_FDS;
  if (count === undefined) return null;
  if (!DECIMAL.test(count)) {
    throw invalidVariable("LISTEN_FDS", count, "not a count of descriptors");
  }
  const n = Number(count);
  if (n > MAX_LISTEN_FDS) {
    throw invalidVariable("LISTEN_FDS", count, `more than ${MAX_LISTEN_FDS} descriptors`);
  }
  if (n === 0) return null;
  const names = env.LISTEN_FDNAMES === undefined ? null : env.LISTEN_FDNAMES.split(":");
  if (names !== null && names.length !== n) {
    throw invalidVariable(
      "LISTEN_FDNAMES",
      env.LISTEN_FDNAMES!,
      `${names.length} names for ${n} descriptors`,
    );
  }
  const fds: ListenFd[] = [];
  for (let i = 0; i < n; i++) {
    fds.push({ fd: SD_LISTEN_FDS_START + i, name: names?.[i] ?? "unknown" });
  }
  return { fds };
}

/**
 * The descriptor to serve the control protocol on: the only one passed,
 * else the one named {@link CONTROL_FD_NAME}. Throws when several are
 * passed and none (or more than one) has that name.
 */
export function controlFd(activation: Activation): ListenFd {
  const { fds } = activation;
  if (fds.length === 1) return fds[0];
  const named = fds.filter((f) => f.name === CONTROL_FD_NAME);
  if (named.length === 1) return named[0];
  const list = fds.map((f) => `"${f.name}"`).join(", ");
  throw new OrchestratorError(
    500,
    `Cannot choose the control socket among ${fds.length} passed descriptors (${list}): ` +
      `name exactly one "${CONTROL_FD_NAME}" (FileDescriptorName=${CONTROL_FD_NAME})`,
  );
}

/** Removes the socket activation variables from `env` (by default this process's environment). */
export function unsetListenEnv(env: Pick<Deno.Env, "delete"> = Deno.env): void {
  for (const name of LISTEN_ENV) env.delete(name);
}

/**
 * Takes the descriptors passed to this process: reads the variables,
 * removes them from the environment (always, whether they were meant for
 * this process or not, and before throwing on a malformed value) and sets
 * close-on-exec on each descriptor, which the service manager passes
 * without it. Returns `null` when nothing was passed.
 */
export function adoptListenFds(
  options: { env?: Deno.Env; pid?: number } = {},
): Activation | null {
  const env = options.env ?? Deno.env;
  const values: Record<string, string | undefined> = {};
  for (const name of LISTEN_ENV) values[name] = env.get(name);
  unsetListenEnv(env);
  const activation = listenFds(values, options.pid ?? Deno.pid);
  for (const { fd } of activation?.fds ?? []) setCloseOnExec(fd);
  return activation;
}
