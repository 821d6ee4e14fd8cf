// The one code path that runs an alpha method: validate -> engine -> the method's phases -> compose alpha.
import { checkTrimapCounts, loadPixels } from "../alpha.js";
import type { Engine } from "../engine.js";
import { MattingError, abortError } from "../errors.js";
import type { AlphaOptions, AlphaResult, AlphaStats, Progress, RGBImage, Trimap } from "../types.js";
import { checkImage, checkTrimap, describeValue, readOptions, resolveAlphaOptions } from "../validate.js";
import { yieldToEventLoop } from "../yield.js";
import { DEFAULT_METHOD, METHODS, METHOD_NAMES, type MethodName } from "./index.js";
import type { AlphaMethod, MethodContext, OptionTable, ResolvedOptions } from "./types.js";

/** Bytes per pixel the runner itself holds: the photo as f64 RGB and one label. */
const PIXEL_BYTES = 24 + 1;

/** Options every method takes. */
const COMMON_OPTIONS = new Set(["method", "onProgress", "signal"]);

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
  const { width, height, pixels: n } = checkedImage;
  const minimum = method.minimumSide?.(resolved);
  if (minimum && (width < minimum.side || height < minimum.side)) {
    const { side, reason } = minimum;
    throw new MattingError("IMAGE_TOO_SMALL", `image is ${width}x${height}; ${reason} needs at least ${side}x${side}`, { width, height, minimumSide: side });
  }
  const progress = (p: Progress) => onProgress?.(p);
  if (signal?.aborted) throw abortError(signal);

  return engine.run(async (arena) => {
    const started = performance.now();
    const rawBytes = Math.max(checkedImage.data.byteLength, checkedTrimap.data.byteLength);
    const sized = (unknown: number) => n * PIXEL_BYTES + rawBytes + method.peakBytes({ width, height, pixels: n, unknown }, resolved, engine);
    arena.ensureFits(sized(0), `a ${width}x${height} image`);
    const pixels = loadPixels(arena, engine, checkedImage, checkedTrimap, (counts) => {
      checkTrimapCounts(counts);
      arena.ensureFits(sized(counts.unknown), `method "${method.name}" on a ${width}x${height} image with ${counts.unknown} unknown pixels`);
    });
    const stats: AlphaStats = {
      width, height, unknownPixels: pixels.counts.unknown, method: method.name as MethodName, iterations: 0, residual: 0, converged: true,
      milliseconds: { laplacian: 0, preconditioner: 0, solve: 0, total: 0 }, wasmMemoryBytes: 0, peakBytes: 0, threads: 1,
    };
    let solution = 0, unknownIndex = 0;
    if (pixels.counts.unknown > 0) {
      const context: MethodContext = {
        engine, arena, width, height, pixels, progress, signal,
        async checkpoint() {
          await yieldToEventLoop();
          if (signal?.aborted) throw abortError(signal);
        },
      };
      const solved = await method.solve(context, resolved);
      ({ solution, unknownIndex } = solved);
      Object.assign(stats, { iterations: solved.iterations, residual: solved.residual, converged: solved.converged, threads: solved.threads });
      stats.milliseconds = { ...solved.milliseconds, total: 0 };
    }
    const alpha = arena.alloc(n * 4);
    engine.kernels.composeAlpha(pixels.labels, unknownIndex, solution, n, alpha);
    const result = arena.f32(alpha, n).slice();
    if (pixels.counts.unknown > 0) progress({ phase: "solve", fraction: 1, iteration: stats.iterations, residual: stats.residual });
    stats.milliseconds.total = performance.now() - started;
    stats.wasmMemoryBytes = engine.memoryBytes;
    stats.peakBytes = arena.peak;
    return { alpha: result, stats };
  }, signal);
}
