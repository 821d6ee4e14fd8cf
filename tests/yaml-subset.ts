// A reader for the small part of YAML that examples/kubernetes/batch-job.yaml uses (no YAML library is among the
// dependencies): block mappings and sequences by indentation, "- key: value" items, comments, plain, double-quoted
// and number scalars, and flow sequences of JSON values. Anything else throws, naming the line, so a manifest
// edited beyond this subset fails its test rather than being misread.

type Value = string | number | boolean | Value[] | { [key: string]: Value };

interface Line {
  indent: number;
  text: string;
  number: number;
}

function scalar(text: string, where: number): Value {
  if (text.startsWith("[") || text.startsWith('"')) {
    try {
      return JSON.parse(text) as Value;
    } catch {
      throw new Error(`line ${where}: not a JSON flow value: ${text}`);
    }
  }
  if (/^[-+]?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  if (/^[>|{&*!%@`']/.test(text) || text.includes(": ") || text.includes(" #")) throw new Error(`line ${where}: outside the YAML subset: ${text}`);
  return text;
}

/** Parses the block starting at lines[at] with the given indentation; returns the value and the next line index. */
function block(lines: Line[], at: number, indent: number): [Value, number] {
  if (lines[at].text.startsWith("- ")) {
    const items: Value[] = [];
    while (at < lines.length && lines[at].indent === indent && lines[at].text.startsWith("- ")) {
      const rest = lines[at].text.slice(2);
      if (/^[\w.-]+:( |$)/.test(rest)) {
        // "- key: value" opens a mapping whose further keys sit two columns in.
        const inner = [{ ...lines[at], indent: indent + 2, text: rest }, ...lines.slice(at + 1)];
        const [mapping, next] = block(inner, 0, indent + 2);
        items.push(mapping);
        at += next;
      } else {
        items.push(scalar(rest, lines[at].number));
        at++;
      }
    }
    return [items, at];
  }
  const mapping: { [key: string]: Value } = {};
  while (at < lines.length && lines[at].indent === indent && !lines[at].text.startsWith("- ")) {
    const match = /^([\w.-]+):(?: (.*))?$/.exec(lines[at].text);
    if (!match) throw new Error(`line ${lines[at].number}: expected "key: value", got ${lines[at].text}`);
    const [, key, rest] = match;
    if (key in mapping) throw new Error(`line ${lines[at].number}: key ${key} twice`);
    if (rest !== undefined && rest !== "") {
      mapping[key] = scalar(rest, lines[at].number);
      at++;
    } else {
      const child = lines[at + 1];
      if (child === undefined || child.indent <= indent) throw new Error(`line ${lines[at].number}: ${key} has no value`);
      [mapping[key], at] = block(lines, at + 1, child.indent);
    }
  }
  if (at < lines.length && lines[at].indent > indent) throw new Error(`line ${lines[at].number}: unexpected indentation`);
  return [mapping, at];
}

export function parseYamlSubset(text: string): Value {
  const lines: Line[] = text.split("\n").flatMap((raw, i) => {
    if (raw.includes("\t")) throw new Error(`line ${i + 1}: a tab`);
    const trimmed = raw.trim();
    return trimmed === "" || trimmed.startsWith("#") ? [] : [{ indent: raw.length - raw.trimStart().length, text: trimmed, number: i + 1 }];
  });
  const [value, end] = block(lines, 0, lines[0].indent);
  if (end !== lines.length) throw new Error(`line ${lines[end].number}: unexpected indentation`);
  return value;
}
