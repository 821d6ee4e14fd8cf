// The one code path that runs an alpha method: validate -> engine -> the method's phases -> compose alpha.
import { checkTrimapCounts, loadPixels } from "../alpha.js";
import type { Engine } from "../engine.js";
import { MattingError, abortError } from "../errors.js";
import type { AlphaOptions, AlphaResult, AlphaStats, Progress, RGBImage, Trimap } from "../types.js";
import { checkImage, checkTrimap, describeValue, readOptions, resolveAlphaOptions, type CheckedPlane } from "../validate.js";
import { checkAlpha } from "../validate-matte.js";
import { loadAlpha } from "../planes.js";
import { checkSolution, composeSolution, isSolution, loadSolution } from "./guess.js";
import { yieldToEventLoop } from "../yield.js";
import { DEFAULT_METHOD, METHODS, METHOD_NAMES, type MethodName } from "./index.js";
import type { AlphaMethod, MethodContext, OptionTable, ResolvedOptions } from "./types.js";

/** Bytes per pixel the runner itself holds: the photo as f64 RGB and one label. */
const PIXEL_BYTES = 24 + 1;

/** Options every method takes. */
const COMMON_OPTIONS = new Set(["method", "onProgress", "signal", "initialAlpha", "keepSolution"]);

function methodOf(options: Record<string, unknown>): AlphaMethod<OptionTable> {
  const name = options.method === undefined ? DEFAULT_METHOD : options.method;
  if (typeof name !== "string" || !Object.hasOwn(METHODS, name)) {
    const list = METHOD_NAMES.map((m) => `"${m}"`).join(", ");
    throw new MattingError("INVALID_OPTION", `option method must be one of ${list}, got ${String(name)}`, { option: "method", value: name });
  }
  return METHODS[name as MethodName] as unknown as AlphaMethod<OptionTable>;
}

/**
 * The chosen method's options, each defaulted or checked. An option of another method that this one does not
 * take is an error (it would silently do nothing); keys no method knows (a matte's foreground options) pass.
 */
function methodOptions(method: AlphaMethod<OptionTable>, options: Record<string, unknown>): ResolvedOptions<OptionTable> {
  for (const key of Object.keys(options)) {
    if (options[key] === undefined || COMMON_OPTIONS.has(key) || Object.hasOwn(method.options, key)) continue;
    const takers = METHOD_NAMES.filter((m) => Object.hasOwn(METHODS[m].options, key));
    if (takers.length > 0) {
      throw new MattingError(
        "INVALID_OPTION",
        `option ${key} does not apply to method "${method.name}" (it is an option of ${takers.map((m) => `"${m}"`).join(", ")})`,
        { option: key, method: method.name },
      );
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(method.options)) {
    resolved[key] = options[key] === undefined ? spec.default : spec.check(options[key], key);
  }
  return resolved;
}

/**
 * The caller's warm start checked against the image (SIZE_MISMATCH, BAD_CHANNELS, INVALID_INPUT; when it is
 * loaded, NaN is INVALID_VALUE, and so is an alpha outside [0, 1] or an infinite solution value). A method
 * without an iterative solve (sm) refuses it: it would silently do nothing.
 */
function checkInitialAlpha(method: AlphaMethod<OptionTable>, value: unknown, image: CheckedPlane): { plane: CheckedPlane; solution: boolean } | undefined {
  if (value === undefined) return undefined;
  if (!method.warmStart) {
    throw new MattingError("INVALID_OPTION", `option initialAlpha does not apply to method "${method.name}": it has no iterative solve to start`,
      { option: "initialAlpha", method: method.name });
  }
  if (isSolution(value)) return { plane: checkSolution(value, image, "initialAlpha"), solution: true };
  return { plane: checkAlpha(value, image, "initialAlpha"), solution: false };
}

/** Every option of estimateAlpha: the common ones and each method's. */
export const ALPHA_OPTION_KEYS = [...new Set([...COMMON_OPTIONS, ...METHOD_NAMES.flatMap((name) => Object.keys(METHODS[name].options))])];

/** Every option any method knows, and any other own key, each read once (a getter that throws is INVALID_OPTION). */
function readAllOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new MattingError("INVALID_OPTION", `options must be an object, got ${describeValue(options)}`);
  }
  let own: string[];
  try {
    own = Object.keys(options);
  } catch (cause) {
    throw new MattingError("INVALID_OPTION", `options could not be read: ${describeValue(cause)}`, {}, { cause });
  }
  return readOptions(options, [...new Set([...ALPHA_OPTION_KEYS, ...own])]);
}

export async function estimateAlphaWith(engine: Engine, image: RGBImage, trimap: Trimap, options?: AlphaOptions): Promise<AlphaResult> {
  const checkedImage = checkImage(image);
  const checkedTrimap = checkTrimap(trimap, checkedImage);
  const o = readAllOptions(options);
  const { onProgress, signal } = resolveAlphaOptions({ onProgress: o.onProgress as never, signal: o.signal as never });
  const method = methodOf(o);
  const resolved = methodOptions(method, o);
  method.checkOptions?.(resolved);
  const initialAlpha = checkInitialAlpha(method, o.initialAlpha, checkedImage);
  if (o.keepSolution !== undefined && typeof o.keepSolution !== "boolean") {
    throw new MattingError("INVALID_OPTION", `option keepSolution must be true or false, got ${describeValue(o.keepSolution)}`, { option: "keepSolution" });
  }
  const keepSolution = o.keepSolution === true;
  const { width, height, pixels: n } = checkedImage;
  const minimum = method.minimumSide?.(resolved);
  if (minimum && (width < minimum.side || height < minimum.side)) {
    const { side, reason } = minimum;
    throw new MattingError("IMAGE_TOO_SMALL", `image is ${width}x${height}; ${reason} needs at least ${side}x${side}`, { width, height, minimumSide: side });
  }
  const fewest = method.minimumPixels?.(resolved);
  if (fewest && n < fewest.pixels) {
    const { pixels, reason } = fewest;
    throw new MattingError("IMAGE_TOO_SMALL", `image is ${width}x${height} (${n} pixels); ${reason} needs at least ${pixels} pixels`, { width, height, minimumPixels: pixels });
  }
  const progress = (p: Progress) => onProgress?.(p);
  if (signal?.aborted) throw abortError(signal);

  return engine.run(async (arena) => {
    const started = performance.now();
    const rawBytes = Math.max(checkedImage.data.byteLength, checkedTrimap.data.byteLength);
    const guessBytes = initialAlpha ? n * 4 + initialAlpha.plane.data.byteLength : 0;
    const sized = (unknown: number) => n * PIXEL_BYTES + rawBytes + guessBytes + (keepSolution ? n * 4 : 0) + method.peakBytes({ width, height, pixels: n, unknown }, resolved, engine);
    arena.ensureFits(sized(0), `a ${width}x${height} image`);
    const pixels = loadPixels(arena, engine, checkedImage, checkedTrimap, (counts) => {
      checkTrimapCounts(counts);
      arena.ensureFits(sized(counts.unknown), `method "${method.name}" on a ${width}x${height} image with ${counts.unknown} unknown pixels`);
    });
    const stats: AlphaStats = {
      width, height, unknownPixels: pixels.counts.unknown, method: method.name as MethodName, iterations: 0, residual: 0, converged: true,
      milliseconds: { laplacian: 0, preconditioner: 0, solve: 0, total: 0 }, wasmMemoryBytes: 0, peakBytes: 0, threads: 1, switchedAt: 0,
    };
    // Loaded (and its floats checked) whether or not anything is unknown: a bad start is an error either way.
    const startAlpha = !initialAlpha ? 0
      : initialAlpha.solution ? loadSolution(arena, engine, initialAlpha.plane, "initialAlpha") : loadAlpha(arena, engine, initialAlpha.plane, "initialAlpha");
    let solution = 0, unknownIndex = 0;
    if (pixels.counts.unknown > 0) {
      const context: MethodContext = {
        engine, arena, width, height, pixels, progress, signal,
        initialAlpha: startAlpha,
        async checkpoint() {
          await yieldToEventLoop();
          if (signal?.aborted) throw abortError(signal);
        },
      };
      const solved = await method.solve(context, resolved);
      ({ solution, unknownIndex } = solved);
      Object.assign(stats, { iterations: solved.iterations, residual: solved.residual, converged: solved.converged, threads: solved.threads, switchedAt: solved.switchedAt ?? 0 });
      stats.milliseconds = { ...solved.milliseconds, total: 0 };
    }
    const alpha = arena.alloc(n * 4);
    engine.kernels.composeAlpha(pixels.labels, unknownIndex, solution, n, alpha);
    const result = arena.f32(alpha, n).slice();
    let unclamped: Float32Array | undefined;
    if (keepSolution) {
      const values = arena.alloc(n * 4);
      composeSolution(engine, pixels.labels, unknownIndex, solution, n, values);
      unclamped = arena.f32(values, n).slice();
    }
    if (pixels.counts.unknown > 0) progress({ phase: "solve", fraction: 1, iteration: stats.iterations, residual: stats.residual });
    stats.milliseconds.total = performance.now() - started;
    stats.wasmMemoryBytes = engine.memoryBytes;
    stats.peakBytes = arena.peak;
    return unclamped ? { alpha: result, stats, solution: { width, height, unclamped } } : { alpha: result, stats };
  }, signal);
}
