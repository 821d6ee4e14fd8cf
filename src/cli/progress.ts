// The progress bar on stderr, fed by the library's onProgress. Drawn only for a person at a terminal.
import cliProgress from "cli-progress";
import type { Progress } from "../entry/node.js";

export interface ProgressDisplay {
  /** Pass as AlphaOptions.onProgress; undefined when nothing is drawn. */
  onProgress?: (progress: Progress) => void;
  /** Removes the bar (and restores the cursor); safe to call more than once. */
  stop(): void;
}

const STEPS = 1000;

function detail(progress: Progress): string {
  if (progress.phase === "laplacian") return "building the matting Laplacian";
  if (progress.phase === "foreground") return "estimating foreground colours";
  const iteration = progress.iteration ?? 0;
  const residual = progress.residual === undefined ? "" : `, residual ${progress.residual.toExponential(1)}`;
  return `solving: iteration ${iteration}${residual}`;
}

export function progressDisplay(enabled: boolean): ProgressDisplay {
  if (!enabled) return { stop() {} };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: "matting {bar} {percentage}% | {duration_formatted} | {detail}",
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    fps: 10,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let stopped = false;
  return {
    onProgress(progress) {
      if (stopped) return;
      const value = Math.round(progress.fraction * STEPS);
      if (!started) {
        bar.start(STEPS, value, { detail: detail(progress) });
        started = true;
      } else {
        bar.update(value, { detail: detail(progress) });
      }
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
