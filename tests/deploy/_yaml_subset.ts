/**
 * A parser for the small block-style YAML subset deploy/kubernetes/pod.yaml
 * is written in, so the pod can be checked without a YAML dependency:
 * block mappings and sequences (`- key: value` items included), `#`
 * comments, plain scalars (strings, integers, true/false/null),
 * double-quoted strings, and flow sequences or mappings written as JSON
 * (`["a", "b"]`, `{}`). Anything else (anchors, tags, block scalars, single
 * quotes, tabs, a sequence at its key's indent) is an error, never a guess.
 * When PyYAML is installed the test compares the two.
 */

interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Parses `source`; throws with the line number on anything outside the subset. */
export function parseYamlSubset(source: string): unknown {
  const lines: Line[] = [];
  source.split("\n").forEach((raw, i) => {
    if (raw.includes("\t")) throw new SyntaxError(`Line ${i + 1}: tab`);
    const text = stripComment(raw).trimEnd();
    if (text.trim() === "") return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), number: i + 1 });
  });
  if (lines.length === 0) return null;
  const state = { lines, at: 0 };
  const value = parseBlock(state, lines[0].indent);
  if (state.at < lines.length) {
    throw new SyntaxError(`Line ${lines[state.at].number}: unexpected indentation`);
  }
  return value;
}

interface State {
  lines: Line[];
  at: number;
}

function stripComment(raw: string): string {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"' && raw[i - 1] !== "\\") quoted = !quoted;
    if (c === "#" && !quoted && (i === 0 || raw[i - 1] === " ")) return raw.slice(0, i);
  }
  return raw;
}

function isItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

function parseBlock(state: State, indent: number): unknown {
  return isItem(state.lines[state.at].text)
    ? parseSequence(state, indent)
    : parseMapping(state, indent);
}

function parseSequence(state: State, indent: number): unknown[] {
  const out: unknown[] = [];
  while (state.at < state.lines.length) {
    const line = state.lines[state.at];
    if (line.indent < indent) break;
    if (line.indent > indent || !isItem(line.text)) {
      throw new SyntaxError(`Line ${line.number}: expected "- " at column ${indent + 1}`);
    }
    const rest = line.text.slice(1).trimStart();
    if (rest === "") {
      state.at++;
      out.push(childBlock(state, indent));
    } else if (keyOf(rest) !== null) {
      // "- key: value": a mapping whose keys sit two columns in.
      state.lines[state.at] = { indent: indent + 2, text: rest, number: line.number };
      out.push(parseMapping(state, indent + 2));
    } else {
      state.at++;
      out.push(scalar(rest, line.number));
    }
  }
  return out;
}

function parseMapping(state: State, indent: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  while (state.at < state.lines.length) {
    const line = state.lines[state.at];
    if (line.indent < indent) break;
    if (line.indent > indent) throw new SyntaxError(`Line ${line.number}: unexpected indentation`);
    const split = keyOf(line.text);
    if (split === null) throw new SyntaxError(`Line ${line.number}: expected "key: value"`);
    const [key, rest] = split;
    if (key in out) throw new SyntaxError(`Line ${line.number}: duplicate key "${key}"`);
    state.at++;
    out[key] = rest === "" ? childBlock(state, indent) : scalar(rest, line.number);
  }
  return out;
}

function childBlock(state: State, indent: number): unknown {
  const next = state.lines[state.at];
  if (next === undefined || next.indent <= indent) {
    if (next !== undefined && next.indent === indent && isItem(next.text)) {
      throw new SyntaxError(`Line ${next.number}: a sequence at its key's indent`);
    }
    return null;
  }
  return parseBlock(state, next.indent);
}

/** `[key, rest]` when `text` is `key:` or `key: rest` with a plain key. */
function keyOf(text: string): [string, string] | null {
  const m = /^([A-Za-z0-9_.\/-]+):(?: (.*))?$/.exec(text);
  return m === null ? null : [m[1], (m[2] ?? "").trim()];
}

function scalar(text: string, number: number): unknown {
  if (/^[&*!|>']/.test(text)) {
    throw new SyntaxError(`Line ${number}: unsupported YAML construct "${text}"`);
  }
  if (text.startsWith('"') || text.startsWith("[") || text.startsWith("{")) {
    try {
      return JSON.parse(text);
    } catch {
      throw new SyntaxError(`Line ${number}: not JSON-compatible: ${text}`);
    }
  }
  if (text === "true" || text === "false") return text === "true";
  if (text === "null" || text === "~") return null;
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  if (
    /^-?[0-9]*\.[0-9]+$/.test(text) || /: |^- /.test(text) ||
    /^(yes|no|on|off|y|n)$/i.test(text)
  ) {
    throw new SyntaxError(`Line ${number}: ambiguous plain scalar "${text}"; quote it`);
  }
  return text;
}
