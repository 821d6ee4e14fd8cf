// Alpha and foreground colours in one call, with one progress stream: the alpha phases fill the first
// ALPHA_SHARE of it and the "foreground" phase the rest.
import { estimateAlphaWith } from "./methods/run.js";
import type { Engine } from "./engine.js";
import { estimateForegroundRun } from "./foreground.js";
import type { MatteOptions, MatteResult, RGBImage, Trimap } from "./types.js";
import { resolveForegroundOptions } from "./validate-matte.js";

/** The foreground estimate costs a few percent of the alpha solve on typical images. */
const ALPHA_SHARE = 0.95;

export async function matteWith(engine: Engine, image: RGBImage, trimap: Trimap, options?: MatteOptions): Promise<MatteResult> {
  // Foreground options are checked before the (long) alpha solve starts.
  const { onProgress } = resolveForegroundOptions(options);
  const { alpha, stats } = await estimateAlphaWith(engine, image, trimap, {
    ...options,
    onProgress: onProgress && ((p) => onProgress({ ...p, fraction: p.fraction * ALPHA_SHARE })),
  });
  const colours = await estimateForegroundRun(engine, image, alpha, {
    ...options,
    onProgress: onProgress && ((p) => onProgress({ ...p, fraction: ALPHA_SHARE + (1 - ALPHA_SHARE) * p.fraction })),
  });
  return {
    alpha,
    foreground: colours.foreground,
    background: colours.background,
    stats: {
      ...stats,
      milliseconds: { ...stats.milliseconds, foreground: colours.milliseconds, total: stats.milliseconds.total + colours.milliseconds },
      peakBytes: Math.max(stats.peakBytes, colours.peakBytes),
      wasmMemoryBytes: engine.memoryBytes,
    },
  };
}
