// Command-line arguments: one table of flags drives parsing, the --help text and error messages,
// so a new flag is one entry here plus its use in main.ts.
import { parseArgs } from "node:util";
import { ALPHA_DEFAULTS, type AlphaOptions, METHOD_NAMES } from "../entry/node.js";
import { COLOUR_FORMS, type RGB, looksLikeColour, parseColour } from "./colours.js";
import { DEFAULT_MAX_PIXELS, formatPixels } from "./limits.js";
import { IFM_TOLERANCE } from "../methods/options.js";

type Group = "Outputs" | "Trimap from a mask" | "Matting method" | "Closed-form matting" | "KNN matting" | "Random-walk matting" | "Shared matting" | "Limits" | "Reporting";

/** The AlphaOptions fields the command line sets; the library checks their ranges. */
export type CliAlphaOptions = Pick<AlphaOptions, "method" | "epsilon" | "radius" | "tolerance" | "maxIterations" | "preconditioner" | "neighbors" | "distanceWeights" | "kernel"
  | "sigma" | "laplacianRegularization" | SharedMattingFlagOption>;
/** Shared matting's options, each a flag of the same name in kebab case. */
type SharedMattingFlagOption = "trimapExpansionRadius" | "trimapExpansionThreshold" | "sampleGatheringAngles" | "sampleGatheringWeights"
  | "sampleGatheringNpRadius" | "sampleRefinementRadius" | "localSmoothingRadius1" | "localSmoothingRadius2" | "localSmoothingRadius3"
  | "localSmoothingSigmaSq1" | "localSmoothingSigmaSq2" | "localSmoothingSigmaSq3";

export interface FlagSpec {
  name: string;
  short?: string;
  /** Placeholder shown in help for flags that take a value; boolean flags have none. */
  value?: string;
  /** The only values accepted; anything else is a usage error. */
  choices?: readonly string[];
  group: Group;
  help: string;
  /** The AlphaOptions field the flag sets: a number, one of `choices`, or (list) comma-separated numbers. */
  alphaOption?: keyof CliAlphaOptions;
  list?: boolean;
}

const PRECONDITIONERS = ["jacobi", "multigrid"] as const;
export const DEFAULT_BAND = 10;

const FLAGS: readonly FlagSpec[] = [
  { name: "alpha", short: "a", value: "A.png", group: "Outputs", help: "write the alpha matte as an 8-bit grey PNG" },
  {
    name: "foreground", short: "f", value: "F.png", group: "Outputs",
    help: "write the estimated foreground colours as an 8-bit RGB PNG",
  },
  { name: "cutout", short: "c", value: "C.png", group: "Outputs", help: "write an RGBA PNG: foreground colours with straight (not premultiplied) alpha" },
  { name: "composite", value: "OUT.png", group: "Outputs", help: "write the foreground over --background as an 8-bit RGB PNG" },
  {
    name: "background", short: "b", value: "COLOUR|IMAGE", group: "Outputs",
    help: `what --composite puts behind the foreground: a colour (${COLOUR_FORMS}) or an image file of IMAGE's size (write ./red for a file named like a colour)`,
  },
  { name: "trimap-out", value: "T.png", group: "Outputs", help: "write the trimap built by --mask as a grey PNG (0, 128, 255); alone, nothing is matted" },
  {
    name: "mask", short: "m", value: "M.png", group: "Trimap from a mask",
    help: "build the trimap from a mask of IMAGE's size instead of reading TRIMAP; inside is where its first channel is >= 128 (>= 32768 in 16 bit)",
  },
  { name: "band", value: "N", group: "Trimap from a mask", help: `width in pixels of the unknown band each side of the mask's edge (default ${DEFAULT_BAND})` },
  {
    name: "method", value: "NAME", choices: METHOD_NAMES, group: "Matting method", alphaOption: "method",
    help: `the alpha method: ${METHOD_NAMES.join(", ")} (cf closed-form, knn KNN, lkm large-kernel, rw random-walk, lbdm learning-based, ` +
      "sm shared matting, ifm information-flow, combined; default cf); a flag that the method does not take is refused",
  },
  {
    name: "epsilon", value: "E", group: "Closed-form matting", alphaOption: "epsilon",
    help: `regularisation of the matting Laplacian, from 1e-12 to 1; larger is smoother (default ${ALPHA_DEFAULTS.epsilon}); also lkm's and lbdm's (default 1e-7)`,
  },
  {
    name: "radius", value: "R", group: "Closed-form matting", alphaOption: "radius",
    help: `window radius, integer 1..8; windows are (2R+1)x(2R+1) pixels (default ${ALPHA_DEFAULTS.radius}); also lkm's (1..50, default 10) and lbdm's (1..2, default 1)`,
  },
  {
    name: "tolerance", value: "T", group: "Closed-form matting", alphaOption: "tolerance",
    help: `stop the solver once its relative residual is at most T, from 1e-30 to below 1 (default ${ALPHA_DEFAULTS.tolerance}; ifm ${IFM_TOLERANCE.toExponential()}; combined each solve's own)`,
  },
  {
    name: "max-iterations", value: "N", group: "Closed-form matting", alphaOption: "maxIterations",
    help: `conjugate-gradient iteration cap (default ${ALPHA_DEFAULTS.maxIterations})`,
  },
  {
    name: "preconditioner", value: "P", choices: PRECONDITIONERS, group: "Closed-form matting", alphaOption: "preconditioner",
    help: `of the conjugate gradients: ${PRECONDITIONERS.join(" or ")}; multigrid takes far fewer, dearer iterations and is faster (default ${ALPHA_DEFAULTS.preconditioner})`,
  },
  {
    name: "neighbors", value: "K1,K2", group: "KNN matting", alphaOption: "neighbors", list: true,
    help: "neighbours per pixel of each neighbour search (default 20,10)",
  },
  {
    name: "distance-weights", value: "W1,W2", group: "KNN matting", alphaOption: "distanceWeights", list: true,
    help: "weight of position against colour in each search, one per --neighbors count (default 2,0.1)",
  },
  { name: "kernel", value: "K", choices: ["binary", "soft"], group: "KNN matting", alphaOption: "kernel", help: "affinity of neighbours: binary or soft (default binary)" },
  {
    name: "sigma", value: "S", group: "Random-walk matting", alphaOption: "sigma",
    help: "colour scale of the weights exp(-|I_i - I_j|^2 / S^2), from 0.001 to 10 (default 1/30, what pymatting computes)",
  },
  {
    name: "laplacian-regularization", value: "R", group: "Random-walk matting", alphaOption: "laplacianRegularization",
    help: "added to the random-walk Laplacian's diagonal, from 0 to 1 (default 1e-8)",
  },
  ...sharedMattingFlags(),
  {
    name: "threads", short: "j", value: "N", group: "Matting method",
    help: "threads that share the work, 1..64: worker threads over shared WebAssembly memory; they share the solve, and the neighbour searches and build of ifm, combined and knn (default 1)",
  },
  {
    name: "max-pixels", value: "N", group: "Limits",
    help: `refuse inputs of more than N pixels, checked on the file's header before decoding (default ${DEFAULT_MAX_PIXELS}, ${formatPixels(DEFAULT_MAX_PIXELS)})`,
  },
  { name: "json", group: "Reporting", help: "print one JSON object (paths, options, statistics) on stdout and nothing else" },
  { name: "quiet", short: "q", group: "Reporting", help: "no progress bar, summary or warning" },
  { name: "help", short: "h", group: "Reporting", help: "show this help and exit" },
  { name: "version", short: "v", group: "Reporting", help: "print the version and exit" },
];

/** Shared matting's flags: its options (pymatting's estimate_alpha_sm arguments) in kebab case; the library checks their ranges. */
function sharedMattingFlags(): FlagSpec[] {
  const flag = (alphaOption: SharedMattingFlagOption, value: string, help: string, list = false): FlagSpec => ({
    name: alphaOption.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/(\d)$/, "-$1"),
    value, group: "Shared matting", alphaOption, help, ...(list ? { list } : {}),
  });
  return [
    flag("trimapExpansionRadius", "R", "unknown pixels take the label of a known pixel within R pixels, 0..50 (default 10)..."),
    flag("trimapExpansionThreshold", "T", "...of a colour within T (RGB in 0..1), 0..2; 0 turns expansion off (default 0.02)"),
    flag("sampleGatheringAngles", "N", "rays cast from each unknown pixel for samples, 1..64 (default 4)"),
    flag("sampleGatheringWeights", "EN,EA,EF,EB", "the four exponents of the sample-pair cost, each 0..16 (default 3,2,1,4)", true),
    flag("sampleGatheringNpRadius", "R", "radius of the chromatic distortion's neighbourhood, 0..50 (default 1)"),
    flag("sampleRefinementRadius", "R", "radius of sample refinement, 1..50 (default 5)"),
    flag("localSmoothingRadius1", "R", "radius of the first local smoothing pass (colours), 1..50 (default 5)"),
    flag("localSmoothingRadius2", "R", "radius of the second pass (confidence), 1..50 (default 5)"),
    flag("localSmoothingRadius3", "R", "radius of the third pass (alpha), 1..50 (default 5)"),
    flag("localSmoothingSigmaSq1", "S", "squared sigma of the first pass, in (0, 1e6] (default (2 R1 + 1)^2 / (9 pi))"),
    flag("localSmoothingSigmaSq2", "S", "squared sigma of the second pass, in (0, 1e6] (default 0.1)"),
    flag("localSmoothingSigmaSq3", "S", "squared sigma of the third pass, in (0, 1e6] (default (2 R1 + 1)^2 / (9 pi), from the first radius as in pymatting)"),
  ];
}

/** The flags that set AlphaOptions, for other commands (batch) that pass them on. */
export const ALPHA_FLAGS = FLAGS.filter((f) => f.alphaOption !== undefined);

/** Output files by kind, in the order they are listed in help; only the requested ones are present. */
export interface Outputs {
  alpha?: string;
  foreground?: string;
  cutout?: string;
  composite?: string;
  trimapOut?: string;
}

export const OUTPUT_FLAGS = { alpha: "alpha", foreground: "foreground", cutout: "cutout", composite: "composite", trimapOut: "trimap-out" } as const;

/** Where the trimap comes from: a file, or a mask widened into one by trimapFromMask. */
export type TrimapSource = { kind: "file"; path: string } | { kind: "mask"; path: string; band: number };

/** What --composite puts behind the foreground. */
export type BackgroundSource = { kind: "colour"; rgb: RGB } | { kind: "image"; path: string };

export interface RunCommand {
  kind: "run";
  image: string;
  trimap: TrimapSource;
  background?: BackgroundSource;
  outputs: Outputs;
  alphaOptions: CliAlphaOptions;
  threads: number;
  /** Inputs of more pixels are refused on their header, before decoding. */
  maxPixels: number;
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

export function parseNumber(flag: string, text: string): number {
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

/**
 * A colour (see colours.ts) or else an image file; whether that file exists is checked with the other files
 * (paths.ts). A value that starts with "#" or "rgb(" or holds a comma but is no valid colour is a usage error
 * rather than a file name.
 */
export function parseBackground(text: string): BackgroundSource {
  const rgb = parseColour(text);
  if (rgb) return { kind: "colour", rgb };
  if (looksLikeColour(text)) throw new UsageError(`--background expects ${COLOUR_FORMS}, or an image file; got '${text}'`);
  return { kind: "image", path: text };
}

/** The requested outputs; that two name one file is found by paths.ts, which compares real paths. */
function parseOutputs(values: Record<string, string | boolean | undefined>): Outputs {
  const outputs: Outputs = {};
  for (const [key, flag] of Object.entries(OUTPUT_FLAGS) as [keyof Outputs, string][]) {
    const path = values[flag];
    if (typeof path !== "string") continue;
    if (!/\.png$/i.test(path)) throw new UsageError(`--${flag} writes a PNG; name the file with .png, got '${path}'`);
    outputs[key] = path;
  }
  if (Object.keys(outputs).length === 0) {
    throw new UsageError("nothing to write: give at least one of --alpha, --foreground, --cutout, --composite, --trimap-out");
  }
  return outputs;
}

export function parseAlphaOptions(values: Record<string, string | boolean | undefined>): CliAlphaOptions {
  const alphaOptions: Record<string, number | number[] | string> = {};
  for (const spec of FLAGS) {
    const text = values[spec.name];
    if (!spec.alphaOption || typeof text !== "string") continue;
    if (spec.choices) {
      if (!spec.choices.includes(text)) throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(", ")}, got '${text}'`);
      alphaOptions[spec.alphaOption] = text;
    } else if (spec.list) {
      alphaOptions[spec.alphaOption] = text.split(",").map((item) => parseNumber(spec.name, item.trim()));
    } else {
      alphaOptions[spec.alphaOption] = parseNumber(spec.name, text);
    }
  }
  return alphaOptions as CliAlphaOptions;
}

export function parseThreads(text: string | undefined): number {
  if (text === undefined) return 1;
  const threads = parseNumber("threads", text);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new UsageError(`--threads must be an integer from 1 to 64, got '${text}'`);
  return threads;
}

export function parseMaxPixels(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_PIXELS;
  const pixels = parseNumber("max-pixels", text);
  if (!Number.isSafeInteger(pixels) || pixels < 1) throw new UsageError(`--max-pixels must be a whole number of pixels >= 1, got '${text}'`);
  return pixels;
}

function parseTrimapSource(values: Record<string, string | boolean | undefined>, positionals: string[]): { image: string; trimap: TrimapSource } {
  const mask = values.mask as string | undefined;
  const [image, trimap, ...extra] = positionals;
  if (mask === undefined) {
    if (values.band !== undefined) throw new UsageError("--band sets the unknown band of --mask; give --mask M.png too");
    if (values["trimap-out"] !== undefined) throw new UsageError("--trimap-out saves the trimap built by --mask; give --mask M.png too");
    if (image === undefined) throw new UsageError("missing IMAGE and TRIMAP (or IMAGE and --mask M.png)");
    if (trimap === undefined) throw new UsageError("missing TRIMAP (or --mask M.png to build one)");
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (IMAGE and TRIMAP are already given)`);
    return { image, trimap: { kind: "file", path: trimap } };
  }
  if (image === undefined) throw new UsageError("missing IMAGE");
  if (trimap !== undefined) throw new UsageError(`unexpected argument '${trimap}': --mask builds the trimap, so give IMAGE only`);
  const bandText = values.band as string | undefined;
  const band = bandText === undefined ? DEFAULT_BAND : parseNumber("band", bandText);
  if (band < 0) throw new UsageError(`--band must be a number of pixels >= 0, got '${bandText}'`);
  return { image, trimap: { kind: "mask", path: mask, band } };
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

  const { image, trimap } = parseTrimapSource(values, parsed.positionals);
  const outputs = parseOutputs(values);
  const backgroundText = values.background as string | undefined;
  if (outputs.composite !== undefined && backgroundText === undefined) {
    throw new UsageError("--composite needs --background COLOUR|IMAGE to put behind the foreground");
  }
  if (backgroundText !== undefined && outputs.composite === undefined) {
    throw new UsageError("--background is only used by --composite OUT.png; give that too");
  }
  return {
    kind: "run",
    image,
    trimap,
    ...(backgroundText === undefined ? {} : { background: parseBackground(backgroundText) }),
    outputs,
    alphaOptions: parseAlphaOptions(values),
    threads: parseThreads(values.threads as string | undefined),
    maxPixels: parseMaxPixels(values["max-pixels"] as string | undefined),
    json: values.json === true,
    quiet: values.quiet === true,
  };
}

function flagColumn(spec: FlagSpec): string {
  const long = `--${spec.name}${spec.value ? ` ${spec.value}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

export const HELP_COLUMNS = 110;

/** Breaks text at spaces into lines of at most `columns` characters (a longer word gets a line of its own). */
export function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

export function helpText(): string {
  const width = Math.max(...FLAGS.map((f) => flagColumn(f).length)) + 2;
  const groups: Group[] = ["Outputs", "Trimap from a mask", "Matting method", "Closed-form matting", "KNN matting", "Random-walk matting", "Shared matting",
    "Limits", "Reporting"];
  const flagLines = groups.flatMap((group) => [
    "",
    `${group}:`,
    ...FLAGS.filter((f) => f.group === group).flatMap((f) =>
      wrap(f.help, HELP_COLUMNS - 2 - width).map((line, i) => `  ${(i === 0 ? flagColumn(f) : "").padEnd(width)}${line}`)),
  ]);
  return [
    "Usage: matting IMAGE TRIMAP OUTPUT... [options]",
    "       matting IMAGE --mask M.png [--band N] OUTPUT... [options]",
    "       matting batch PHOTOS_DIR --trimaps DIR --out DIR [options]   (a folder of photos: see matting batch --help)",
    "       matting frames FRAMES_DIR (--trimaps DIR | --masks DIR) --out DIR   video frames in order (frames --help)",
    "",
    "Estimates the alpha matte of a photo by closed-form matting (Levin, Lischinski and Weiss 2008): 255 where",
    "IMAGE is foreground, 0 where it is background. Writes it, the foreground colours, a cutout or a composite",
    "over a new background; at least one OUTPUT flag is needed.",
    "",
    "Inputs:",
    "  IMAGE    the photo: PNG (8 or 16 bit; grey, grey+alpha, RGB, RGBA or palette) or JPEG; also WebP,",
    "           TIFF, AVIF and GIF. EXIF orientation is applied, so rotated photos are read upright;",
    "           an alpha channel is ignored; 16-bit samples keep their full precision.",
    "  TRIMAP   same size as the upright IMAGE; its first channel is read (grey, or red of a colour file):",
    "           0 = surely background, 255 (65535 in 16-bit files) = surely foreground, any other",
    "           value = unknown, to be solved. Needs at least one foreground and one background pixel.",
    "           Save trimaps as PNG: JPEG compression turns exact 0 and 255 into other values (a lossy",
    "           trimap or mask, JPEG, lossy WebP, AVIF or HEIC, is read with a warning that says so).",
    "           Without one, --mask builds it from a mask (say a segmentation model's output).",
    ...flagLines,
    "",
    "--foreground, --cutout and --composite use colours estimated by multi-level foreground estimation",
    "(Germer et al. 2020), so soft edges and hair lose the old background's colour.",
    "A progress bar is drawn on stderr when it is a terminal (not with --json or --quiet).",
    "",
    "Outputs are all or nothing: each is written to a temporary file beside it (.NAME.PID-RANDOM.tmp) and",
    "flushed, and all are renamed over the old files only once every one is written. A write error (a full",
    "disk), Ctrl-C (SIGINT) or SIGTERM before then leaves the old files as they were and no temporary.",
    "An output is written through symbolic links, to the file they point at.",
    "",
    "Refused before anything is decoded (exit status in brackets):",
    "  an output that is an input or another output, also by another spelling, symbolic or hard link (2);",
    "  an output that exists and is not a regular file, such as a folder or /dev/null (2);",
    "  an input that is not a regular file: a folder, a device such as /dev/zero, a named pipe (1);",
    "  an input whose header declares more than --max-pixels pixels (TOO_LARGE, 1), a trimap, mask or",
    "  background whose header size differs from IMAGE's (SIZE_MISMATCH, 1), and a photo too large for",
    "  the 4 GiB of WebAssembly memory even before its unknown pixels are counted (TOO_LARGE, 1).",
    "",
    "Exit status:",
    "  0    the outputs were written (also when the solver hit --max-iterations: see \"converged\")",
    "  1    a file could not be read, decoded or written, or the inputs cannot be matted",
    "  2    usage error: unknown flag, missing argument, an option value out of range, or an output that",
    "       is an input or another output",
    "  130  interrupted by Ctrl-C (SIGINT); nothing was written",
    "  143  terminated by SIGTERM; nothing was written",
    "",
    "Errors are one line on stderr: matting: FILE: problem (CODE).",
    "",
    "Examples:",
    "  matting examples/lemur.png examples/lemur_trimap.png --alpha lemur_alpha.png",
    "  matting examples/lemur.png examples/lemur_trimap.png --cutout lemur.png --background '#3a7' --composite lemur_green.png",
    "  matting photo.jpg --mask segmentation.png --band 8 --trimap-out trimap.png --cutout cutout.png",
    "",
  ].join("\n");
}
