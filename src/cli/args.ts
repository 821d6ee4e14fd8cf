// Command-line arguments: one table of flags drives parsing, the --help text and error messages,
// so a new flag is one entry here plus its use in main.ts.
import { parseArgs } from "node:util";
import { ALPHA_DEFAULTS, type AlphaOptions } from "../entry/node.js";

type Group = "Outputs" | "Closed-form matting" | "Reporting";

interface FlagSpec {
  name: string;
  short?: string;
  /** Placeholder shown in help for flags that take a value; boolean flags have none. */
  value?: string;
  group: Group;
  help: string;
  /** The AlphaOptions field a numeric flag sets; the library checks its range. */
  alphaOption?: keyof Pick<AlphaOptions, "epsilon" | "radius" | "tolerance" | "maxIterations">;
}

const FLAGS: readonly FlagSpec[] = [
  { name: "alpha", short: "a", value: "OUT.png", group: "Outputs", help: "write the alpha matte as an 8-bit grey PNG (required)" },
  {
    name: "epsilon", value: "E", group: "Closed-form matting", alphaOption: "epsilon",
    help: `regularisation of the matting Laplacian, from 1e-12 to 1; larger is smoother (default ${ALPHA_DEFAULTS.epsilon})`,
  },
  {
    name: "radius", value: "R", group: "Closed-form matting", alphaOption: "radius",
    help: `window radius, integer 1..8; windows are (2R+1)x(2R+1) pixels (default ${ALPHA_DEFAULTS.radius})`,
  },
  {
    name: "tolerance", value: "T", group: "Closed-form matting", alphaOption: "tolerance",
    help: `stop the solver once its relative residual is at most T, in (0, 1) (default ${ALPHA_DEFAULTS.tolerance})`,
  },
  {
    name: "max-iterations", value: "N", group: "Closed-form matting", alphaOption: "maxIterations",
    help: `conjugate-gradient iteration cap (default ${ALPHA_DEFAULTS.maxIterations})`,
  },
  { name: "json", group: "Reporting", help: "print one JSON object (paths, options, statistics) on stdout and nothing else" },
  { name: "quiet", short: "q", group: "Reporting", help: "no progress bar, summary or warning" },
  { name: "help", short: "h", group: "Reporting", help: "show this help and exit" },
  { name: "version", short: "v", group: "Reporting", help: "print the version and exit" },
];

export interface RunCommand {
  kind: "run";
  image: string;
  trimap: string;
  outputs: { alpha: string };
  alphaOptions: Pick<AlphaOptions, "epsilon" | "radius" | "tolerance" | "maxIterations">;
  json: boolean;
  quiet: boolean;
}

export type Command = { kind: "help" } | { kind: "version" } | RunCommand;

/** A mistake in the command line itself: exit status 2 and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flag as the user typed it, for messages about an AlphaOptions field. */
export function flagForOption(option: unknown): string | undefined {
  const spec = FLAGS.find((f) => f.alphaOption === option);
  return spec && `--${spec.name}`;
}

function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${flag} expects a number, got '${text}'`);
  return value;
}

/** parseArgs says what is wrong in its first sentence, except for a flag followed by another flag instead of its value. */
function parseArgsReason(message: string): string {
  const ambiguous = /^Option '(?:-\w, )?(-{1,2})([\w-]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const [, dashes, name] = ambiguous;
    const flag = `--${dashes === "-" ? FLAGS.find((f) => f.short === name)?.name : name}`;
    return `${flag} needs a value (write ${flag}=-VALUE for one starting with a dash)`;
  }
  return message.split(/\.\s/)[0].replace(/\.$/, "");
}

export function parseCommandLine(argv: readonly string[]): Command {
  const options = Object.fromEntries(
    FLAGS.map((f) => [f.name, { type: f.value ? "string" : "boolean", ...(f.short ? { short: f.short } : {}) } as const]),
  );
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(parseArgsReason(String((error as Error).message)));
  }
  const values = parsed.values;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

  const [image, trimap, ...extra] = parsed.positionals;
  if (image === undefined) throw new UsageError("missing IMAGE and TRIMAP");
  if (trimap === undefined) throw new UsageError("missing TRIMAP");
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (IMAGE and TRIMAP are already given)`);
  const alpha = values.alpha as string | undefined;
  if (alpha === undefined) throw new UsageError("missing --alpha OUT.png: nothing to write");
  if (!/\.png$/i.test(alpha)) throw new UsageError(`--alpha writes a PNG; name the file with .png, got '${alpha}'`);

  const alphaOptions: RunCommand["alphaOptions"] = {};
  for (const spec of FLAGS) {
    const text = values[spec.name];
    if (spec.alphaOption && typeof text === "string") alphaOptions[spec.alphaOption] = parseNumber(spec.name, text);
  }
  return { kind: "run", image, trimap, outputs: { alpha }, alphaOptions, json: values.json === true, quiet: values.quiet === true };
}

function flagColumn(spec: FlagSpec): string {
  const long = `--${spec.name}${spec.value ? ` ${spec.value}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

export function helpText(): string {
  const width = Math.max(...FLAGS.map((f) => flagColumn(f).length)) + 2;
  const groups: Group[] = ["Outputs", "Closed-form matting", "Reporting"];
  const flagLines = groups.flatMap((group) => [
    "",
    `${group}:`,
    ...FLAGS.filter((f) => f.group === group).map((f) => `  ${flagColumn(f).padEnd(width)}${f.help}`),
  ]);
  return [
    "Usage: matting IMAGE TRIMAP --alpha OUT.png [options]",
    "",
    "Estimates the alpha matte of a photo by closed-form matting (Levin, Lischinski and Weiss 2008)",
    "and writes it as an 8-bit grey PNG: 255 where IMAGE is foreground, 0 where it is background.",
    "",
    "Inputs:",
    "  IMAGE    the photo: PNG (8 or 16 bit; grey, grey+alpha, RGB, RGBA or palette) or JPEG; also WebP,",
    "           TIFF, AVIF and GIF. EXIF orientation is applied, so rotated photos are read upright;",
    "           an alpha channel is ignored; 16-bit samples keep their full precision.",
    "  TRIMAP   same size as the upright IMAGE; its first channel is read (grey, or red of a colour file):",
    "           0 = surely background, 255 (65535 in 16-bit files) = surely foreground, any other",
    "           value = unknown, to be solved. Needs at least one foreground and one background pixel.",
    "           Save trimaps as PNG: JPEG compression turns exact 0 and 255 into other values.",
    ...flagLines,
    "",
    "A progress bar is drawn on stderr when it is a terminal (not with --json or --quiet).",
    "Ctrl-C stops the computation and exits with status 130.",
    "",
    "Exit status:",
    "  0    the matte was written (also when the solver hit --max-iterations: see \"converged\")",
    "  1    a file could not be read, decoded or written, or the inputs cannot be matted",
    "  2    usage error: unknown flag, missing argument, or an option value out of range",
    "  130  interrupted",
    "",
    "Errors are one line on stderr: matting: FILE: problem (CODE).",
    "",
    "Example:",
    "  matting examples/lemur.png examples/lemur_trimap.png --alpha lemur_alpha.png",
    "",
  ].join("\n");
}
