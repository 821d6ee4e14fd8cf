// Video frames in order: each frame's alpha solve warm-started from the previous frame's solution before it
// was clamped to alpha's [0, 1] (AlphaOptions.initialAlpha, keepSolution), so that a scene that changes little from frame to frame costs fewer solver iterations, with
// the same answer at the same tolerance. Runs on any engine that has the bound operations (the package's module
// itself, or createMatting()'s), so it works the same in every runtime.
import { MattingError, abortError } from "./errors.js";
import { METHODS, DEFAULT_METHOD } from "./methods/index.js";
import type {
  AlphaMatte, AlphaOptions, AlphaSolution, AlphaStats, ForegroundOptions, MatteResult, MatteStats, Progress, RGBImage, Trimap, TrimapFromMaskOptions,
  TrimapImage, AlphaResult,
} from "./types.js";
import { describeValue, readOptions } from "./validate.js";
import { TRIMAP_FROM_MASK_DEFAULTS } from "./validate-matte.js";

/** One frame: its image, and its trimap or a mask from which the trimap is made (SequenceOptions.band). */
export interface SequenceFrame {
  image: RGBImage;
  trimap?: Trimap;
  mask?: AlphaMatte;
}

/** Progress of a sequence: a frame's own progress (fraction 0..1 of that frame), and the frame's index. */
export interface SequenceProgress extends Progress {
  frame: number;
}

export interface SequenceOptions extends Omit<AlphaOptions, "initialAlpha" | "keepSolution" | "onProgress">, Omit<ForegroundOptions, "onProgress" | "signal"> {
  /** Start each solve from the previous frame's unclamped solution (when the sizes agree and the method has an iterative solve). Default true. */
  warmStart?: boolean;
  /** Width in pixels of the unknown band on each side of a mask's edge, for frames given by mask. Default 10. */
  band?: number;
  /** Also estimate foreground and background colours (matte) rather than alpha alone. Default false. */
  colours?: boolean;
  onProgress?: (progress: SequenceProgress) => void;
}

export interface SequenceResult {
  /** The frame's position in the sequence, from 0. */
  index: number;
  alpha: Float32Array;
  /** With `colours`: foreground and background colours, RGB in [0, 1]. */
  foreground?: Float32Array;
  background?: Float32Array;
  stats: AlphaStats | MatteStats;
  /** Whether this frame's solve started from the previous frame's solution. */
  warmStarted: boolean;
  /** The trimap made from the frame's mask, for frames given by mask. */
  trimap?: TrimapImage;
}

/** The operations a sequence needs: the package's module, or an engine from createMatting(). */
export interface SequenceEngine {
  estimateAlpha(image: RGBImage, trimap: Trimap, options?: AlphaOptions): Promise<AlphaResult>;
  matte(image: RGBImage, trimap: Trimap, options?: AlphaOptions & ForegroundOptions): Promise<MatteResult>;
  trimapFromMask(mask: AlphaMatte, options?: TrimapFromMaskOptions): Promise<TrimapImage>;
}

const OWN_OPTIONS = ["warmStart", "band", "colours", "onProgress", "signal", "method"] as const;

function checkSequenceOptions(options: SequenceOptions | undefined) {
  const o = readOptions(options, [...OWN_OPTIONS, "initialAlpha", "keepSolution"]);
  if (o.warmStart !== undefined && typeof o.warmStart !== "boolean") {
    throw new MattingError("INVALID_OPTION", `option warmStart must be true or false, got ${describeValue(o.warmStart)}`, { option: "warmStart" });
  }
  if (o.colours !== undefined && typeof o.colours !== "boolean") {
    throw new MattingError("INVALID_OPTION", `option colours must be true or false, got ${describeValue(o.colours)}`, { option: "colours" });
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") {
    throw new MattingError("INVALID_OPTION", "option onProgress must be a function", { option: "onProgress" });
  }
  if (o.initialAlpha !== undefined) {
    throw new MattingError("INVALID_OPTION", "option initialAlpha does not apply to a sequence: each frame starts from the previous one", { option: "initialAlpha" });
  }
  if (o.keepSolution !== undefined) {
    throw new MattingError("INVALID_OPTION", "option keepSolution does not apply to a sequence: it keeps each frame's solution for the next", { option: "keepSolution" });
  }
  const method = (o.method ?? DEFAULT_METHOD) as keyof typeof METHODS;
  // An unknown method is left for estimateAlpha to name; only a known one with an iterative solve warm-starts.
  const methodWarmStarts = Object.hasOwn(METHODS, method) && METHODS[method].warmStart === true;
  return {
    warmStart: o.warmStart !== false && methodWarmStarts,
    band: o.band as number | undefined,
    colours: o.colours === true,
    onProgress: o.onProgress as SequenceOptions["onProgress"],
    signal: o.signal as AbortSignal | undefined,
  };
}

/** The frame's fields, each read once; INVALID_INPUT naming the frame when it has neither trimap nor mask. */
function frameFields(frame: unknown, index: number): { image: RGBImage; trimap?: Trimap; mask?: AlphaMatte } {
  if (typeof frame !== "object" || frame === null) {
    throw new MattingError("INVALID_INPUT", `frame ${index} must be an object { image, trimap } or { image, mask }, got ${describeValue(frame)}`, { frame: index });
  }
  let fields: { image: RGBImage; trimap?: Trimap; mask?: AlphaMatte };
  try {
    const { image, trimap, mask } = frame as SequenceFrame;
    fields = { image, trimap, mask };
  } catch (cause) {
    throw new MattingError("INVALID_INPUT", `frame ${index} could not be read: ${describeValue(cause)}`, { frame: index }, { cause });
  }
  if (fields.trimap === undefined && fields.mask === undefined) {
    throw new MattingError("INVALID_INPUT", `frame ${index} has neither a trimap nor a mask`, { frame: index });
  }
  return fields;
}

function sizeOf(image: RGBImage): string {
  try {
    return `${image.width}x${image.height}`;
  } catch {
    return "";
  }
}

/**
 * Mattes `frames` (an array, iterable or async iterable) one after the other, yielding each frame's result as it
 * is done. Every solve after the first starts from the previous frame's unclamped solution, unless `warmStart` is false, the
 * frame's size differs from the previous one's, or the method has no iterative solve ("sm"). An abort (signal)
 * rejects the pending step with ABORTED and ends the sequence; a bad frame rejects with its error, naming it.
 */
export async function* matteSequence(
  engine: SequenceEngine, frames: Iterable<SequenceFrame> | AsyncIterable<SequenceFrame>, options?: SequenceOptions,
): AsyncGenerator<SequenceResult, void, undefined> {
  const own = checkSequenceOptions(options);
  const isIterable = frames !== null && typeof frames === "object" &&
    (typeof (frames as AsyncIterable<SequenceFrame>)[Symbol.asyncIterator] === "function" || typeof (frames as Iterable<SequenceFrame>)[Symbol.iterator] === "function");
  if (!isIterable) {
    throw new MattingError("INVALID_INPUT", `frames must be an array or an (async) iterable of frames, got ${describeValue(frames)}`, { name: "frames" });
  }
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown> | undefined) };
  for (const key of OWN_OPTIONS) if (key !== "signal" && key !== "method") delete rest[key];
  const bands = own.band === undefined ? TRIMAP_FROM_MASK_DEFAULTS : { foreground: own.band, background: own.band };
  let previous: { solution?: AlphaSolution; size: string } | undefined;
  let index = 0;
  for await (const frame of frames) {
    if (own.signal?.aborted) throw abortError(own.signal);
    const { image, trimap: given, mask } = frameFields(frame, index);
    const size = sizeOf(image);
    const warmStarted = own.warmStart && previous?.solution !== undefined && previous.size === size;
    const frameIndex = index;
    const call = {
      ...rest,
      ...(warmStarted ? { initialAlpha: previous!.solution } : {}),
      keepSolution: own.warmStart,
      onProgress: own.onProgress && ((p: Progress) => own.onProgress!({ ...p, frame: frameIndex })),
    } as AlphaOptions & ForegroundOptions;
    let result: SequenceResult;
    let solution: AlphaSolution | undefined;
    let made: TrimapImage | undefined;
    try {
      if (given === undefined) made = await engine.trimapFromMask(mask as AlphaMatte, bands);
      const trimap = given ?? (made as TrimapImage);
      if (own.colours) {
        const { alpha, foreground, background, stats, solution: kept } = await engine.matte(image, trimap, call);
        solution = kept;
        result = { index, alpha, foreground, background, stats, warmStarted };
      } else {
        const { alpha, stats, solution: kept } = await engine.estimateAlpha(image, trimap, call);
        solution = kept;
        result = { index, alpha, stats, warmStarted };
      }
    } catch (error) {
      if (error instanceof MattingError && error.code !== "ABORTED") {
        throw new MattingError(error.code, `frame ${index}: ${error.message}`, { ...error.details, frame: index }, { cause: error });
      }
      throw error;
    }
    if (made) result.trimap = made;
    previous = { solution, size };
    index++;
    yield result;
  }
}
