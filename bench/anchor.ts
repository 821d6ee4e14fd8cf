// The anchor (a reference implementation, ../shared/anchors/run.py) run beside us in the same session: run.py in
// its own process on a few cases after its untimed warm-up call, its per-case times and alphas read back. Shared by
// bench:speed, bench:scale and bench:quality so that every ratio is measured the same way.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { median } from "./common.js";

/** Debian's Python: another python3 on the PATH may lack numba, scipy and OpenCV (../shared/anchors/README.md). */
export const PYTHON = "/usr/bin/python3";

export interface AnchorCase {
  /** The median of its timed runs. */
  ms: number;
  /** Every timed run's milliseconds, in order. */
  runs: number[];
  alpha: Float32Array;
}

/**
 * What run.py is asked: a dataset's named cases with one trimap set (each timed `repeat` times in a row, default 1:
 * run.py is given each name that many times), or one photo and its trimap file.
 */
export type AnchorInput =
  | { data: string; trimapSet: string; names: string[]; repeat?: number }
  | { image: string; trimapFile: string };

export interface AnchorRun {
  /** run.py's path. */
  script: string;
  /** Its --method (cf, knn, ..., ifm). */
  method: string;
  /** Seconds before the process is killed; undefined waits for ever. */
  timeoutSeconds?: number;
}

/** Thrown when run.py did not finish in its time. */
export class AnchorTimeout extends Error {}

/**
 * Runs the anchor once over `input` and returns its cases by name (GT01, or the photo's file name without its
 * extension), each with run.py's milliseconds (the untimed warm-up excluded) and its alpha.
 */
export async function runAnchor(run: AnchorRun, input: AnchorInput): Promise<Map<string, AnchorCase>> {
  const out = mkdtempSync(path.join(os.tmpdir(), "matting-anchor-"));
  const what = "data" in input
    ? ["--data", input.data, "--trimap", input.trimapSet, "--images", input.names.flatMap((n) => Array<string>(input.repeat ?? 1).fill(n)).join(",")]
    : ["--image", input.image, "--trimap-file", input.trimapFile];
  const timeout = run.timeoutSeconds === undefined ? 0 : Math.ceil(run.timeoutSeconds * 1000);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(PYTHON, [run.script, "--method", run.method, ...what, "--out", out], { maxBuffer: 1 << 24, timeout, killSignal: "SIGKILL" },
        (error, stdout, stderr) => {
          if (error && (error as { killed?: boolean }).killed && timeout > 0) reject(new AnchorTimeout(`no result in ${run.timeoutSeconds} s`));
          else if (error) reject(new Error(`${run.script} failed: ${error.message}\n${stderr}`));
          else resolve(stdout);
        });
    });
    return parseAnchorOutput(stdout, (file) => readFileSync(path.join(out, file)));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** run.py's JSON lines to cases; `read` gives the bytes of an alpha file it wrote (name + ".f32"). */
export function parseAnchorOutput(stdout: string, read: (file: string) => Uint8Array): Map<string, AnchorCase> {
  const found = new Map<string, AnchorCase>();
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const row = JSON.parse(line) as { name: string; ms: number };
    // "GT01.trimap1" -> "GT01"; "GT19.png" -> "GT19". A name run several times (repeat) gathers its times.
    const name = row.name.split(".")[0];
    const seen = found.get(name);
    if (seen) {
      seen.runs.push(row.ms);
      seen.ms = median(seen.runs);
      continue;
    }
    const bytes = read(`${row.name}.f32`);
    if (bytes.length % 4 !== 0) throw new Error(`${row.name}.f32: ${bytes.length} bytes is not whole float32s`);
    const alpha = new Float32Array(bytes.length / 4);
    new Uint8Array(alpha.buffer).set(bytes);
    found.set(name, { ms: row.ms, runs: [row.ms], alpha });
  }
  return found;
}

/** Names in runs of `size`, in order: each run is timed on our side, then on the anchor's, before the next. */
export function chunks<T>(items: T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let from = 0; from < items.length; from += size) out.push(items.slice(from, from + size));
  return out;
}

export interface RatioSummary {
  /** Per case: our time / the anchor's. */
  ratios: number[];
  medianRatio: number;
  /** Our total time / the anchor's total, over the same cases. */
  totalRatio: number;
  worstRatio: number;
  oursMedian: number;
  anchorMedian: number;
  oursTotal: number;
  anchorTotal: number;
}

/** Ratios of paired times (same unit on both sides, same cases in the same order). */
export function ratioSummary(ours: number[], anchor: number[]): RatioSummary {
  if (ours.length !== anchor.length) throw new Error(`${ours.length} times of ours against ${anchor.length} of the anchor`);
  const ratios = ours.map((t, i) => t / anchor[i]);
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  return {
    ratios,
    medianRatio: median(ratios),
    totalRatio: sum(ours) / sum(anchor),
    worstRatio: ratios.length === 0 ? NaN : Math.max(...ratios),
    oursMedian: median(ours),
    anchorMedian: median(anchor),
    oursTotal: sum(ours),
    anchorTotal: sum(anchor),
  };
}
