/**
 * What every validation rule gets: options, the line index, filesystem
 * probes, and `add()` which turns a node into a positioned result.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { Severity, ValidationResult } from "./types.ts";
import type { LineIndex } from "./position.ts";
import type { FsProbe } from "./fs_probe.ts";

/** Environment lookup (`Deno.env` or a map in tests). */
export interface EnvLike {
  get(name: string): string | undefined;
}

/** Most results kept per run; past it one error says how many more were dropped. */
export const MAX_RESULTS = 10_000;

/** Shared state of one validation run. */
export class RuleContext {
  readonly results: ValidationResult[] = [];
  readonly env: EnvLike;
  readonly user: string;
  /** `undefined` when filesystem checks are off. */
  readonly fs: FsProbe | undefined;
  #lines: LineIndex;
  #dropped = 0;
  #droppedErrors = false;

  constructor(
    lines: LineIndex,
    options: { env: EnvLike; user: string; fs: FsProbe | undefined },
  ) {
    this.#lines = lines;
    this.env = options.env;
    this.user = options.user;
    this.fs = options.fs;
  }

  /** True once {@link MAX_RESULTS} results were collected (rules may skip costly work). */
  get full(): boolean {
    return this.results.length >= MAX_RESULTS;
  }

  /** Adds a result positioned at `node` (line 0 when there is no node). */
  add(severity: Severity, field: string, node: Node | undefined, message: string): void {
    if (this.full) {
      this.#dropped++;
      if (severity === "error") this.#droppedErrors = true;
      return;
    }
    const pos = node === undefined ? { line: 0, column: 0 } : this.#lines.position(node.offset);
    this.results.push({ severity, field, message, line: pos.line, column: pos.column });
  }

  /** Appends the "more results dropped" error, if any were. Called once at the end. */
  finish(): void {
    if (this.#dropped === 0) return;
    this.results.push({
      severity: this.#droppedErrors ? "error" : "warning",
      field: "",
      message: `Too many problems: ${this.#dropped} more not shown`,
      line: 0,
      column: 0,
    });
  }

  /** Adds an error. */
  error(field: string, node: Node | undefined, message: string): void {
    this.add("error", field, node, message);
  }

  /** Adds a warning. */
  warning(field: string, node: Node | undefined, message: string): void {
    this.add("warning", field, node, message);
  }

  /** Adds an info result. */
  info(field: string, node: Node | undefined, message: string): void {
    this.add("info", field, node, message);
  }
}
