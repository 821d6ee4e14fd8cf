// What a batch tells its user: a progress bar on stderr (photos done of all, rate, ETA, failures) for a person at a
// terminal, one line per failed photo on stderr, and a summary; or with --json one JSON line per photo and a
// summary line on stdout and nothing else there.
import cliProgress from "cli-progress";
import type { AlphaStats, TrimapStats } from "../entry/node.js";
import type { PhotoTask } from "./batch-inputs.js";

export interface PhotoError {
  code: string;
  message: string;
  /** The file the error is about, when it is not the photo itself (a trimap, a mask, a background, an output). */
  file?: string;
}

export type PhotoResult =
  | { status: "done"; task: PhotoTask; stats?: AlphaStats; trimapStats?: TrimapStats; warnings: string[] }
  | { status: "skipped"; task: PhotoTask }
  | { status: "failed"; task: PhotoTask; error: PhotoError };

export interface ReportOptions {
  json: boolean;
  quiet: boolean;
  /** Draw the bar: stderr is a terminal. */
  tty: boolean;
}

/** The JSON line of one photo: its paths, what happened, and its statistics or its error. */
function photoLine(result: PhotoResult): Record<string, unknown> {
  const { task } = result;
  const plane = task.plane === undefined ? {} : task.plane.kind === "file" ? { trimap: task.plane.path } : { mask: task.plane.path, band: task.plane.band };
  const line: Record<string, unknown> = { photo: task.photo, ...plane, outputs: task.outputs, status: result.status };
  if (result.status === "failed") line.error = result.error;
  if (result.status === "done") {
    if (result.stats) line.stats = result.stats;
    if (result.trimapStats) line.trimapStats = result.trimapStats;
    if (result.warnings.length > 0) line.warnings = result.warnings;
  }
  return line;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, "; ").trim();

export class BatchReport {
  readonly counts = { done: 0, skipped: 0, failed: 0 };
  private readonly started = performance.now();
  private readonly bars?: cliProgress.MultiBar;
  private readonly bar?: cliProgress.SingleBar;

  constructor(private readonly total: number, private readonly options: ReportOptions) {
    if (options.tty && !options.json && !options.quiet && total > 0) {
      this.bars = new cliProgress.MultiBar({
        stream: process.stderr,
        format: "matting batch {bar} {value}/{total} photos | {rate} photos/s | ETA {eta_formatted} | {failed} failed",
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
        etaBuffer: 50,
      }, cliProgress.Presets.shades_classic);
      this.bar = this.bars.create(total, 0, { rate: "0.00", failed: 0 });
    }
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Writes a line on stderr, above the bar while it is drawn. */
  private note(text: string): void {
    if (this.bars) this.bars.log(`${text}\n`);
    else process.stderr.write(`${text}\n`);
  }

  add(result: PhotoResult): void {
    this.counts[result.status]++;
    if (this.options.json) process.stdout.write(`${JSON.stringify(photoLine(result))}\n`);
    else if (result.status === "failed") {
      const { error, task } = result;
      const about = error.file !== undefined && error.file !== task.photo ? `${error.file}: ` : "";
      this.note(`matting: ${task.photo}: ${about}${oneLine(error.message)} (${error.code})`);
    } else if (result.status === "done" && !this.options.quiet) {
      for (const warning of result.warnings) this.note(`matting: warning: ${warning}`);
      const { stats } = result;
      if (stats && !stats.converged) this.note(`matting: warning: ${result.task.photo}: the solver stopped after ${stats.iterations} iterations at residual ${stats.residual.toExponential(2)}`);
    }
    const finished = this.counts.done + this.counts.skipped + this.counts.failed;
    this.bar?.update(finished, { rate: (finished / Math.max(this.seconds, 1e-3)).toFixed(2), failed: this.counts.failed });
  }

  /** Removes the bar (and restores the cursor); safe to call more than once. */
  stop(): void {
    this.bars?.stop();
  }

  /** The last word: a JSON summary line with --json, else one line on stdout unless --quiet. */
  summary(extra: { jobs: number; shard: string; stoppedBy?: string }): void {
    this.stop();
    const { done, skipped, failed } = this.counts;
    const seconds = this.seconds;
    if (this.options.json) {
      const summary = { photos: this.total, done, skipped, failed, seconds: Number(seconds.toFixed(3)), jobs: extra.jobs, shard: extra.shard, ...(extra.stoppedBy ? { stoppedBy: extra.stoppedBy } : {}) };
      process.stdout.write(`${JSON.stringify({ summary })}\n`);
    } else if (!this.options.quiet) {
      const rate = (done + skipped + failed) / Math.max(seconds, 1e-3);
      process.stdout.write(
        `${this.total} photos${extra.shard === "1/1" ? "" : ` (shard ${extra.shard})`}: ${done} matted, ${skipped} skipped as complete, ` +
        `${failed} failed${extra.stoppedBy ? `, ${this.total - done - skipped - failed} not done (${extra.stoppedBy})` : ""}; ` +
        `${seconds.toFixed(1)} s, ${rate.toFixed(2)} photos/s on ${extra.jobs} jobs\n`,
      );
    }
  }
}
