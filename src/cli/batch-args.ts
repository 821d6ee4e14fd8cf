// `matting batch` arguments: its own flags (folders, manifest, pool, resume, shards) and every flag of the
// single-image command that sets an alpha option (args.ts's table, so a method flag added there is taken here too).
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import {
  ALPHA_FLAGS, type BackgroundSource, type CliAlphaOptions, DEFAULT_BAND, HELP_COLUMNS, UsageError, parseAlphaOptions,
  parseBackground, parseMaxPixels, parseNumber, parseThreads, wrap,
} from "./args.js";
import { DEFAULT_MAX_PIXELS } from "./limits.js";

/** Output folders by kind, as the single command's output files; each gets <stem>.png. */
export interface OutputFolders {
  alpha?: string;
  foreground?: string;
  cutout?: string;
  composite?: string;
  trimapOut?: string;
}

/** The part K of N (K from 1) of the inputs this run takes. */
export interface Shard {
  index: number;
  count: number;
}

export type BatchSource =
  | { kind: "folder"; photos: string; trimaps: string; planes: "trimap" }
  | { kind: "folder"; photos: string; trimaps: string; planes: "mask" }
  | { kind: "manifest"; path: string };

export interface BatchCommand {
  kind: "batch";
  source: BatchSource;
  /** --band: the unknown band of trimaps built from masks (a manifest line may set its own). */
  band: number;
  folders: OutputFolders;
  /** --background: a colour, or a path that is an image file or a folder of images by stem (told apart when listing). */
  background?: BackgroundSource;
  alphaOptions: CliAlphaOptions;
  threads: number;
  jobs: number;
  maxPixels: number;
  force: boolean;
  shard: Shard;
  json: boolean;
  quiet: boolean;
}

interface BatchFlag {
  name: string;
  /** The single command's short flags where they mean the same here. */
  short?: string;
  value?: string;
  group: string;
  help: string;
}

export const OUTPUT_FOLDER_FLAGS = { alpha: "out", foreground: "foreground", cutout: "cutout", composite: "composite", trimapOut: "trimap-out" } as const;

const MAX_JOBS = 256;

const BATCH_FLAGS: readonly BatchFlag[] = [
  { name: "trimaps", value: "DIR", group: "Inputs", help: "the trimaps: for each photo the file of the same stem (any supported format)" },
  { name: "masks", value: "DIR", group: "Inputs", help: "masks instead of trimaps, matched by stem; each becomes a trimap with unknown bands of --band pixels" },
  { name: "band", value: "N", group: "Inputs", help: `width in pixels of the unknown band each side of a mask's edge (default ${DEFAULT_BAND})` },
  {
    name: "manifest", value: "FILE", group: "Inputs",
    help: "instead of PHOTOS_DIR: JSON lines {\"photo\", \"trimap\" or \"mask\", \"band\"?, \"background\"?, \"outputs\"?: {\"alpha\", \"foreground\", \"cutout\", \"composite\", \"trimapOut\"}}, paths relative to FILE's folder; a line without outputs writes <stem>.png into the output folders",
  },
  { name: "out", value: "DIR", group: "Output folders", help: "write each alpha matte as DIR/<stem>.png (8-bit grey)" },
  { name: "foreground", value: "DIR", group: "Output folders", help: "write the estimated foreground colours as DIR/<stem>.png" },
  { name: "cutout", value: "DIR", group: "Output folders", help: "write RGBA cutouts (straight alpha) as DIR/<stem>.png" },
  { name: "composite", value: "DIR", group: "Output folders", help: "write the foreground over --background as DIR/<stem>.png" },
  { name: "background", value: "COLOUR|IMAGE|DIR", group: "Output folders", help: "behind --composite: a colour, one image for every photo, or a folder of images matched by stem" },
  { name: "trimap-out", value: "DIR", group: "Output folders", help: "write the trimaps built from --masks as DIR/<stem>.png" },
  { name: "jobs", value: "N", group: "Pool", help: "photos matted at once, each on a worker thread with its own engine, 1..256 (default: the cores)" },
  { name: "threads", value: "N", group: "Pool", help: "threads per photo that share its work (its solve; the searches of ifm, combined and knn), 1..64 (default 1)" },
  { name: "force", group: "Resume and shards", help: "redo photos whose outputs are already complete (default: skip them)" },
  { name: "shard", value: "K/N", group: "Resume and shards", help: "take only part K of N (K from 1): the photos whose stem hashes to K-1 modulo N (FNV-1a, 32 bit)" },
  { name: "max-pixels", value: "N", group: "Limits", help: `refuse inputs of more than N pixels, read from the file's header (default ${DEFAULT_MAX_PIXELS})` },
  { name: "json", group: "Reporting", help: "one JSON line per photo on stdout (paths, status, statistics or the error), then a summary line" },
  { name: "quiet", short: "q", group: "Reporting", help: "no progress bar, summary or warning" },
  { name: "help", short: "h", group: "Reporting", help: "show this help and exit" },
];

function parseJobs(text: string | undefined): number {
  if (text === undefined) return Math.min(MAX_JOBS, availableParallelism());
  const jobs = parseNumber("jobs", text);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new UsageError(`--jobs must be an integer from 1 to ${MAX_JOBS}, got '${text}'`);
  return jobs;
}

export function parseShard(text: string | undefined): Shard {
  if (text === undefined) return { index: 1, count: 1 };
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN, count = match ? Number(match[2]) : NaN;
  if (!(Number.isSafeInteger(count) && count >= 1 && Number.isSafeInteger(index) && index >= 1 && index <= count)) {
    throw new UsageError(`--shard must be K/N with whole numbers 1 <= K <= N, got '${text}'`);
  }
  return { index, count };
}

function parseFolders(values: Record<string, string | boolean | undefined>): OutputFolders {
  const folders: OutputFolders = {};
  for (const [key, flag] of Object.entries(OUTPUT_FOLDER_FLAGS) as [keyof OutputFolders, string][]) {
    const path = values[flag];
    if (typeof path === "string") folders[key] = path;
  }
  return folders;
}

function parseSource(values: Record<string, string | boolean | undefined>, positionals: string[]): BatchSource {
  const { trimaps, masks, manifest } = values as Record<string, string | undefined>;
  const [photos, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (PHOTOS_DIR is already given)`);
  if (manifest !== undefined) {
    if (photos !== undefined) throw new UsageError(`unexpected argument '${photos}': --manifest lists the photos, so give no PHOTOS_DIR`);
    if (trimaps !== undefined || masks !== undefined) throw new UsageError("--manifest names each photo's trimap or mask; drop --trimaps and --masks");
    return { kind: "manifest", path: manifest };
  }
  if (photos === undefined) throw new UsageError("missing PHOTOS_DIR (or --manifest FILE)");
  if (trimaps !== undefined && masks !== undefined) throw new UsageError("give --trimaps DIR or --masks DIR, not both");
  if (trimaps !== undefined) {
    if (values.band !== undefined) throw new UsageError("--band sets the unknown band of trimaps built from --masks; give --masks DIR too");
    return { kind: "folder", photos, trimaps, planes: "trimap" };
  }
  if (masks !== undefined) return { kind: "folder", photos, trimaps: masks, planes: "mask" };
  throw new UsageError("missing --trimaps DIR (or --masks DIR)");
}

export function parseBatchCommandLine(argv: readonly string[]): BatchCommand | { kind: "help" } {
  const flags = [...BATCH_FLAGS, ...ALPHA_FLAGS];
  const options = Object.fromEntries(flags.map((f) => [f.name, { type: f.value ? "string" : "boolean", ...("short" in f && f.short ? { short: f.short } : {}) } as const]));
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(String((error as Error).message).split(/\.\s/)[0].replace(/\.$/, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  const source = parseSource(values, positionals);
  const folders = parseFolders(values);
  if (source.kind === "folder" && Object.keys(folders).length === 0) {
    throw new UsageError("nothing to write: give at least one of --out, --foreground, --cutout, --composite, --trimap-out");
  }
  if (folders.trimapOut !== undefined && source.kind === "folder" && source.planes === "trimap") {
    throw new UsageError("--trimap-out saves the trimaps built from --masks; give --masks DIR instead of --trimaps");
  }
  const backgroundText = values.background as string | undefined;
  if (folders.composite !== undefined && backgroundText === undefined) throw new UsageError("--composite needs --background COLOUR|IMAGE|DIR");
  if (backgroundText !== undefined && folders.composite === undefined && source.kind === "folder") {
    throw new UsageError("--background is only used by --composite DIR; give that too");
  }
  const bandText = values.band as string | undefined;
  const band = bandText === undefined ? DEFAULT_BAND : parseNumber("band", bandText);
  if (band < 0) throw new UsageError(`--band must be a number of pixels >= 0, got '${bandText}'`);
  return {
    kind: "batch",
    source,
    band,
    folders,
    ...(backgroundText === undefined ? {} : { background: parseBackground(backgroundText) }),
    alphaOptions: parseAlphaOptions(values),
    threads: parseThreads(values.threads as string | undefined),
    jobs: parseJobs(values.jobs as string | undefined),
    maxPixels: parseMaxPixels(values["max-pixels"] as string | undefined),
    force: values.force === true,
    shard: parseShard(values.shard as string | undefined),
    json: values.json === true,
    quiet: values.quiet === true,
  };
}

const flagColumn = (flag: BatchFlag) => `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${flag.value ? ` ${flag.value}` : ""}`;

export function batchHelpText(): string {
  const flags: BatchFlag[] = [...BATCH_FLAGS, ...ALPHA_FLAGS.map(({ short: _, ...flag }) => flag)];
  const width = Math.max(...flags.map((f) => flagColumn(f).length)) + 2;
  const groups = [...new Set(flags.map((f) => f.group))];
  const flagLines = groups.flatMap((group) => [
    "",
    `${group}:`,
    ...flags.filter((f) => f.group === group).flatMap((f) =>
      wrap(f.help, HELP_COLUMNS - 2 - width).map((line, i) => `  ${(i === 0 ? flagColumn(f) : "").padEnd(width)}${line}`)),
  ]);
  return [
    "Usage: matting batch PHOTOS_DIR --trimaps DIR --out DIR [options]",
    "       matting batch PHOTOS_DIR --masks DIR [--band N] --out DIR [options]",
    "       matting batch --manifest FILE [options]",
    "",
    "Mattes every photo of PHOTOS_DIR (files ending in .png, .jpg, .jpeg, .webp, .tif, .tiff, .avif, .gif;",
    "names starting with a dot are left out), --jobs at a time, each exactly as `matting PHOTO TRIMAP` would.",
    "A photo that fails (unreadable, corrupt, no trimap, sizes that differ) is reported and the batch goes on.",
    ...flagLines,
    "",
    "Resuming: every photo's outputs are written all or none (temporary files renamed into place), so a",
    "rerun skips a photo whose outputs all exist, are complete PNGs of the photo's size and are newer than",
    "its inputs; --force redoes it. Ctrl-C or SIGTERM stops the workers and leaves no partial file.",
    "",
    "Exit status:",
    "  0    every photo was matted or skipped as complete",
    "  1    the batch could not run (an output folder cannot be made, the engine cannot start)",
    "  2    usage error: unknown flag, bad value (checked before any photo is read), missing folder, bad manifest line",
    "  3    the batch ran but some photos failed (each named on stderr, or in its JSON line)",
    "  130  interrupted by Ctrl-C (SIGINT)",
    "  143  terminated by SIGTERM",
    "",
    "Examples:",
    "  matting batch photos --trimaps trimaps --out alphas --jobs 2",
    "  matting batch photos --masks masks --band 8 --cutout cutouts --json > log.jsonl",
    "  matting batch photos --trimaps trimaps --out alphas --shard 3/10",
    "",
  ].join("\n");
}
