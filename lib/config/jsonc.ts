/**
 * JSONC parsing with positions: `jsonc-parser`'s tree (offsets on every
 * node) plus a line index, with syntax errors as validation results. The
 * parser recurses per nesting level, so nesting deeper than
 * {@link MAX_DEPTH} is refused by an iterative pre-scan before parsing.
 *
 * @module
 */

import {
  createScanner,
  type ParseError,
  type ParseErrorCode,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { Node } from "jsonc-parser";
import type { ValidationResult } from "./types.ts";
import { LineIndex } from "./position.ts";

export type { Node } from "jsonc-parser";

/** Deepest nesting of objects and arrays accepted in a config. */
export const MAX_DEPTH = 64;

/** A parsed document. `root` is `undefined` when parsing failed. */
export interface ParsedDocument {
  root: Node | undefined;
  lines: LineIndex;
  /** Syntax errors (empty when the text parsed). */
  errors: ValidationResult[];
}

/** `InvalidSymbol` → `Invalid symbol`. */
function describeError(code: number): string {
  const name = printParseErrorCode(code as ParseErrorCode);
  const words = name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Token kinds of the scanner (`SyntaxKind` is an ambient const enum). */
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, eof: 17 } as const;

/** Most syntax errors reported for one document (the parser may recover into many). */
const MAX_SYNTAX_ERRORS = 50;

/** Offset of the first token nested deeper than `MAX_DEPTH`, or -1. */
function tooDeepAt(text: string): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind: number = scanner.scan(); kind !== TOKEN.eof; kind = scanner.scan()) {
    if (kind === TOKEN.openBrace || kind === TOKEN.openBracket) {
      if (++depth > MAX_DEPTH) return scanner.getTokenOffset();
    } else if (kind === TOKEN.closeBrace || kind === TOKEN.closeBracket) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/**
 * Parses JSONC (comments and trailing commas allowed). A leading BOM is
 * ignored. Never throws.
 */
export function parseJsonc(text: string): ParsedDocument {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = new LineIndex(source);
  const deep = tooDeepAt(source);
  if (deep >= 0) {
    const { line, column } = lines.position(deep);
    return {
      root: undefined,
      lines,
      errors: [{
        severity: "error",
        field: "",
        message: `Nesting deeper than ${MAX_DEPTH} levels`,
        line,
        column,
      }],
    };
  }
  const parseErrors: ParseError[] = [];
  const root = parseTree(source, parseErrors, {
    allowTrailingComma: true,
    disallowComments: false,
    allowEmptyContent: false,
  });
  const errors = parseErrors.slice(0, MAX_SYNTAX_ERRORS).map((e): ValidationResult => {
    const { line, column } = lines.position(e.offset);
    return {
      severity: "error",
      field: "",
      message: `JSONC syntax error: ${describeError(e.error)}`,
      line,
      column,
    };
  });
  if (errors.length === 0 && root === undefined) {
    errors.push({ severity: "error", field: "", message: "The file is empty", line: 1, column: 1 });
  }
  return { root: errors.length === 0 ? root : undefined, lines, errors };
}
