// Alpha and foreground colours in one call, with one progress stream: the alpha phases fill the first
// ALPHA_SHARE of it and the "foreground" phase the rest.
import { ALPHA_OPTION_KEYS, estimateAlphaWith } from "./methods/run.js";
import type { Engine } from "./engine.js";
import { estimateForegroundRun } from "./foreground.js";
import type { MatteOptions, MatteResult, RGBImage, Trimap } from "./types.js";
import { FOREGROUND_DEFAULTS, resolveForegroundOptions } from "./validate-matte.js";
import { readOptions } from "./validate.js";

/** The foreground estimate costs a few percent of the alpha solve on typical images. */
const ALPHA_SHARE = 0.95;

/** Every option of matte: estimateAlpha's (every method's) and estimateForeground's. */
const MATTE_OPTIONS = [...new Set([...ALPHA_OPTION_KEYS, ...Object.keys(FOREGROUND_DEFAULTS)])];

export async function matteWith(engine: Engine, image: RGBImage, trimap: Trimap, given?: MatteOptions): Promise<MatteResult> {
  // Read once: both halves see the same values, and a getter that throws is INVALID_OPTION, not a raw error.
  const options = readOptions(given, MATTE_OPTIONS) as MatteOptions;
  // Foreground options are checked before the (long) alpha solve starts.
  const { onProgress } = resolveForegroundOptions(options);
  const { alpha, stats, solution } = await estimateAlphaWith(engine, image, trimap, {
    ...options,
    onProgress: onProgress && ((p) => onProgress({ ...p, fraction: p.fraction * ALPHA_SHARE })),
  });
  const colours = await estimateForegroundRun(engine, image, alpha, {
    ...options,
    onProgress: onProgress && ((p) => onProgress({ ...p, fraction: ALPHA_SHARE + (1 - ALPHA_SHARE) * p.fraction })),
  });
  return {
    alpha,
    ...(solution ? { solution } : {}),
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
