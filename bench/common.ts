// What every benchmark shares: where the data lives, PNG decoding, the machine header, medians, tables.
import os from "node:os";
import path from "node:path";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { type AlphaOptions, type AlphaResult, type AlphaStats, type Matting } from "../dist/entry/node.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The shared folder (data, reference figures, anchors) lives beside the repository, never in it: `../shared` for a
 * checkout, or a `shared` beside one of its parents for a git worktree nested deeper (/work/wt/x -> /work/shared).
 */
export function findShared(from: string = repoRoot): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "shared");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(from, "../shared");
  }
}

/** Default data folders and the anchor script, inside the shared folder. */
export const DEFAULT_LOWRES = path.join(findShared(), "datasets/alphamatting-lowres");
export const DEFAULT_HIGHRES = path.join(findShared(), "datasets/alphamatting-highres");
export const DEFAULT_PYMATTING_ALPHAS = path.join(findShared(), "reference/pymatting-cf-lowres");
export const DEFAULT_ANCHOR = path.join(findShared(), "anchors/run.py");

/** A path given on the command line is taken from the working directory; a default one is absolute already. */
export function resolveDir(given: string | undefined, fallback: string): string {
  const dir = given === undefined ? path.resolve(repoRoot, fallback) : path.resolve(given);
  if (!existsSync(dir)) throw new Error(`folder not found: ${dir}`);
  return dir;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TRIMAPS = ["trimap1", "trimap2"] as const;
export type TrimapSet = (typeof TRIMAPS)[number];

/** "GT01,GT02" -> ["GT01", "GT02"]; undefined -> undefined (all). */
export function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}

export function parseTrimaps(value: string | undefined): TrimapSet[] {
  const asked = parseList(value) ?? [...TRIMAPS];
  for (const t of asked) {
    if (!(TRIMAPS as readonly string[]).includes(t)) throw new Error(`unknown trimap set ${t}; use ${TRIMAPS.join(", ")}`);
  }
  return asked as TrimapSet[];
}

export function parsePositive(value: string | undefined, name: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
  }
  return n;
}

/** Image names (GT01, ...) found in `dir`, filtered to `only` if given (every name in `only` must exist). */
export function imageNames(dir: string, only?: string[]): string[] {
  const found = readdirSync(dir).filter((f) => f.endsWith(".png")).map((f) => f.slice(0, -4)).sort();
  if (only === undefined) return found;
  const missing = only.filter((name) => !found.includes(name));
  if (missing.length > 0) throw new Error(`no ${missing.join(", ")} in ${dir}`);
  return only;
}

export interface Plane {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a PNG to 8-bit RGB (alpha dropped; grey and palette expanded). */
export async function readRgb(file: string): Promise<Plane> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgb = info.channels === 3 ? new Uint8Array(data.buffer, data.byteOffset, data.length) : expandGrey(data, info.channels);
  return { width: info.width, height: info.height, data: rgb };
}

function expandGrey(data: Uint8Array, channels: number): Uint8Array {
  const pixels = data.length / channels;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) rgb.fill(data[i * channels], i * 3, i * 3 + 3);
  return rgb;
}

/** Decodes a PNG and keeps its first channel: trimaps, ground-truth and reference alphas (grey, RGB or palette). */
export async function readFirstChannel(file: string): Promise<Plane> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const plane = new Uint8Array(info.width * info.height);
  for (let i = 0; i < plane.length; i++) plane[i] = data[i * info.channels];
  return { width: info.width, height: info.height, data: plane };
}

/** The low-res photo resized to width x height by bicubic interpolation: the stand-in for a missing high-res photo. */
export async function readRgbUpscaled(file: string, width: number, height: number): Promise<Plane> {
  const { data, info } = await sharp(file).removeAlpha().resize(width, height, { kernel: "cubic", fit: "fill" })
    .raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected RGB after resizing, got ${info.channels} channels`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export const toUnit = (bytes: Uint8Array): Float32Array => Float32Array.from(bytes, (v) => v / 255);

/** Unknown pixels as METRICS.md counts them: trimap value 128 (the datasets hold exactly 0, 128 and 255). */
export function unknownMask(trimap: Uint8Array): Uint8Array {
  return Uint8Array.from(trimap, (v) => (v === 128 ? 1 : 0));
}

export function countOnes(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

export function sameSize(a: Plane, b: Plane, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`${what}: ${a.width}x${a.height} against ${b.width}x${b.height}`);
  }
}

/** One line naming the machine, runtime and date, printed before every table so that figures carry their context. */
export function machineHeader(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown CPU";
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return `# ${model}, ${cpus.length} cores, ${memory} GiB RAM, Node ${process.version} ${process.platform}-${process.arch}, ${date}`;
}

/** The 1, 5 and 15 minute load averages, for the lines that say how busy the machine was. */
export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(", ");

/** CPU milliseconds this process has used so far (user and system). */
export function cpuNow(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** CPU milliseconds of this process over `task`. */
export function cpuOf(task: () => void): number {
  const before = cpuNow();
  task();
  return cpuNow() - before;
}

/**
 * The options every A/B benchmark (one build against another) takes: the other build, the data, the photos, the
 * runs per build; each adds its own (`new`, `trimaps`, `threads`) beside them.
 */
export const AB_OPTIONS = { old: { type: "string" }, data: { type: "string" }, images: { type: "string" }, runs: { type: "string" } } as const;

/** An A/B benchmark's cases: `--old` (required; `oldIs` says what it must be), the runs (default 3), the photos. */
export function abCases(args: { old?: string; data?: string; images?: string; runs?: string }, oldIs: string, images: string[]): { old: string; runs: number; dir: string; names: string[] } {
  if (args.old === undefined) throw new Error(`--old ${oldIs} is required: the build to compare against`);
  const dir = resolveDir(args.data, DEFAULT_LOWRES);
  return { old: args.old, runs: parsePositive(args.runs, "runs", 3, true), dir, names: imageNames(path.join(dir, "input"), parseList(args.images) ?? images) };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Runs `work` once untimed so that the timed runs meet a compiled, tiered-up engine; prints what it did. */
/** Runs of the warm-up case: enough for V8 to have optimised the module's hot functions on every thread. */
const WARM_UP_RUNS = 3;

export async function warmUp(label: string, work: () => Promise<unknown>): Promise<void> {
  const seconds: string[] = [];
  for (let run = 0; run < WARM_UP_RUNS; run++) {
    const started = performance.now();
    await work();
    seconds.push(((performance.now() - started) / 1000).toFixed(2));
  }
  console.log(`# warm-up: ${WARM_UP_RUNS} runs on ${label}: ${seconds.join(", ")} s (not counted)`);
}

export interface Column {
  title: string;
  /** Minimum width in characters; wider cells push the row out rather than being cut. */
  width: number;
  align?: "left" | "right";
}

/** A table printed row by row as results arrive, columns aligned to fixed widths. */
export class Table {
  constructor(private readonly columns: Column[]) {}

  private line(cells: string[]): string {
    return cells
      .map((cell, i) => {
        const c = this.columns[i];
        const width = Math.max(c.width, c.title.length);
        return c.align === "left" ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  }

  header(): void {
    console.log(this.line(this.columns.map((c) => c.title)));
    console.log(this.line(this.columns.map((c) => "-".repeat(Math.max(c.width, c.title.length)))));
  }

  row(cells: string[]): void {
    if (cells.length !== this.columns.length) throw new Error(`row has ${cells.length} cells for ${this.columns.length} columns`);
    console.log(this.line(cells));
  }
}

export const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "-");

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** "+1.2%" / "-0.4%". */
export const signedPercent = (percent: number, digits: number): string => `${percent >= 0 ? "+" : ""}${fixed(percent, digits)}%`;

/** Prints one line of a verdict block: "PASS    what", "MISSED  what", "n/a     what". */
export const printVerdict = (verdict: string, text: string): void => console.log(`${verdict.padEnd(6)}  ${text}`);

/** Percentage by which `ours` differs from `theirs`, signed. */
export const relativeDifference = (ours: number, theirs: number): number => (100 * (ours - theirs)) / theirs;

/** Phase times in milliseconds: laplacian, solve and total always; other phases (a preconditioner set-up) where reported. */
export type PhaseTimes = AlphaStats["milliseconds"] & Record<string, number>;

export interface TimedRuns {
  alpha: Float32Array;
  stats: AlphaStats;
  /** Medians over the runs of each phase's milliseconds. */
  milliseconds: PhaseTimes;
}

/** Runs one case `repeat` times; phase times are medians over the runs, other stats those of the last run. */
export async function timedRuns(matting: Matting, image: Plane, trimap: Plane, options: AlphaOptions, repeat: number): Promise<TimedRuns> {
  return (await alternatingRuns([matting], image, trimap, options, repeat))[0];
}

/**
 * timedRuns for several engines on one case, their runs alternating (A B, then B A, ...) so that a machine that slows
 * down or speeds up meanwhile weighs on each alike: for ratios between them (one thread against two).
 */
export async function alternatingRuns(
  mattings: Matting[], image: Plane, trimap: Plane, options: AlphaOptions, repeat: number,
): Promise<TimedRuns[]> {
  const runs: AlphaResult[][] = mattings.map(() => []);
  for (let i = 0; i < repeat; i++) {
    for (let j = 0; j < mattings.length; j++) {
      const k = i % 2 === 0 ? j : mattings.length - 1 - j;
      runs[k].push(await mattings[k].estimateAlpha(image, trimap, options));
    }
  }
  return runs.map(summariseRuns);
}

function summariseRuns(runs: AlphaResult[]): TimedRuns {
  const last = runs[runs.length - 1];
  const milliseconds = { ...last.stats.milliseconds } as PhaseTimes;
  for (const key of Object.keys(milliseconds)) milliseconds[key] = median(runs.map((r) => (r.stats.milliseconds as PhaseTimes)[key]));
  return { alpha: last.alpha, stats: last.stats, milliseconds };
}

/** The phases tables show, in order. */
export const PHASES = ["laplacian", "preconditioner", "solve", "total"];

/** Milliseconds of a phase, or "-" when this build does not report it. */
export const phaseCell = (times: PhaseTimes, phase: string): string => (phase in times ? fixed(times[phase], 0) : "-");

/**
 * Options forwarded to estimateAlpha from the command line, and the engine's thread count (--threads,
 * default 1; given to createMatting).
 */
export function solverOptions(args: { tolerance?: string; "max-iterations"?: string; threads?: string; method?: string }): { options: AlphaOptions; threads: number; note: string } {
  const options: AlphaOptions = {};
  if (args.method !== undefined) options.method = args.method as AlphaOptions["method"];
  if (args.tolerance !== undefined) options.tolerance = parsePositive(args.tolerance, "tolerance", 0);
  if (args["max-iterations"] !== undefined) options.maxIterations = parsePositive(args["max-iterations"], "max-iterations", 0, true);
  const threads = args.threads === undefined ? 1 : parsePositive(args.threads, "threads", 1, true);
  return { options, threads, note: `options ${JSON.stringify(options)}; threads ${threads}` };
}
