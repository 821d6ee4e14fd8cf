import type { MethodName, MethodOptions } from "./methods/index.js";

/**
 * A photo. `data` holds interleaved pixels, row by row:
 * - Uint8Array / Uint8ClampedArray with RGBA (length width*height*4, ImageData fits) or RGB (width*height*3)
 *   samples in 0..255; alpha is ignored;
 * - Uint16Array with RGBA or RGB samples in 0..65535 (16-bit PNGs); alpha is ignored;
 * - Float32Array with RGB samples in [0, 1] (length width*height*3).
 */
export interface RGBImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;
}

/**
 * A trimap: what is surely foreground, surely background, and unknown.
 * `data` has one channel (length width*height), RGB (width*height*3) or RGBA (width*height*4); the first
 * channel is used.
 * - 8-bit: 0 background, 255 foreground, anything else unknown;
 * - Uint16Array: 0 background, 65535 foreground, anything else unknown;
 * - Float32Array in [0, 1]: <= 0.1 background, >= 0.9 foreground, anything else unknown.
 */
export interface Trimap {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;
}

export type Phase = "laplacian" | "solve" | "foreground";

export interface Progress {
  phase: Phase;
  /** Fraction of the whole call done, 0..1. */
  fraction: number;
  /** Solver iterations so far (solve phase). */
  iteration?: number;
  /** Relative residual |b - Ax| / |b| so far (solve phase). */
  residual?: number;
}

export interface AlphaOptions extends MethodOptions {
  /**
   * The alpha method: "cf", closed-form matting (Levin et al. 2008); "knn", KNN matting (Chen et al. 2013, as
   * pymatting builds it; options neighbors, distanceWeights, kernel); "lkm", "rw", "lbdm", "sm": large-kernel,
   * random-walk, learning-based and shared matting as pymatting computes them (README). Options of another method
   * than the chosen one are rejected (INVALID_OPTION). Default "cf".
   */
  method?: MethodName;
  /** Regularisation epsilon of the closed-form Laplacian (Levin et al. 2008). Default 1e-7 (also lkm's, lbdm's). */
  epsilon?: number;
  /** Window radius r; windows are (2r+1) x (2r+1). Integer 1..8. Default 1 (lkm: 1..50, default 10; lbdm: 1..2). */
  radius?: number;
  /** Stop when the relative residual |b - Ax| / |b| is at most this, 1e-30 to below 1. Default 1e-7 (ifm: 1e-6; combined: each of its solves its own). */
  tolerance?: number;
  /** Iteration cap of the conjugate-gradient solve. Default 20000. */
  maxIterations?: number;
  /**
   * Preconditioner of the conjugate-gradient solve: "multigrid", an aggregation multigrid K-cycle whose coarse
   * levels carry the Laplacian's affine-in-colour near-null space (tens to under two hundred iterations), or
   * "jacobi", the diagonal (thousands of iterations). Radius > 2 always uses "jacobi". Default "multigrid".
   * For method "ifm", "multigrid" is a two-level method: block Jacobi on 4 x 4 pixel blocks (assembly/methods/
   * ifm-blocks.ts) plus an exact coarse correction on pixel blocks with the basis 1, R, G, B
   * (assembly/methods/ifm-coarse.ts); rw and lbdm take it as documented in the README.
   */
  preconditioner?: "multigrid" | "jacobi";
  /** Called as work advances, at most every few tens of milliseconds. */
  onProgress?: (progress: Progress) => void;
  /** Cancels the call; it then rejects with MattingError code "ABORTED". */
  signal?: AbortSignal;
  /**
   * A warm start: alpha of the image's size (a Float32Array in [0, 1] as estimateAlpha returns, or an AlphaMatte),
   * or better a previous result's unclamped `solution` (keepSolution), such as the previous video frame's, used as the conjugate-gradient solve's initial guess on the unknown pixels
   * (known pixels take their trimap value). The answer is the same system's solution at the same tolerance
   * (|b - Ax| <= tolerance |b|, b the system's own); only the iterations change. Every method but "sm" takes it;
   * "sm" has no iterative solve and rejects it (INVALID_OPTION). Default: none (the solve starts from 0).
   */
  initialAlpha?: AlphaInput | AlphaSolution;
  /**
   * Also return the solve's values before they are clamped to [0, 1] (AlphaResult.solution), the best warm start
   * (initialAlpha) for the next, similar solve: a video's next frame. Default false.
   */
  keepSolution?: boolean;
}

/**
 * A solve's answer before it is clamped into alpha's [0, 1] (AlphaOptions.keepSolution). As initialAlpha it is
 * the system's own solution to within the tolerance, where the clamped alpha is not: the first iterations of a
 * start from alpha only undo the clamping. Values may lie outside [0, 1]; NaN and infinities are refused.
 */
export interface AlphaSolution {
  width: number;
  height: number;
  /** One value per pixel, row by row: the solver's answer on unknown pixels, 1 or 0 on known ones. */
  unclamped: Float32Array;
}

export interface AlphaStats {
  width: number;
  height: number;
  unknownPixels: number;
  /** The method that ran. */
  method: MethodName;
  /** Conjugate-gradient iterations run. */
  iterations: number;
  /** Final relative residual |b - Ax| / |b|. */
  residual: number;
  /** Whether the residual reached the tolerance (false: alpha is the best estimate after maxIterations). */
  converged: boolean;
  /** laplacian: statistics and assembly; preconditioner: its set-up; solve: the iterations. */
  milliseconds: { laplacian: number; preconditioner: number; solve: number; total: number };
  /** Size of the engine's WebAssembly memory after the call (the highest any call on this engine needed). */
  wasmMemoryBytes: number;
  /** Bytes of wasm memory this call held at its peak, above the module's static data. */
  peakBytes: number;
  /** Threads that shared this solve: the engine's, or 1 for an image too small to be worth splitting. */
  threads: number;
  /**
   * The iteration after which closed-form's solve went on with smoothed aggregation, a stronger preconditioner it
   * switches to when the plain one converges slowly (one thread, radius 1); 0 when it did not switch.
   */
  switchedAt: number;
}

export interface AlphaResult {
  /** Alpha per pixel in [0, 1], row by row, length width*height. */
  alpha: Float32Array;
  stats: AlphaStats;
  /** With keepSolution: the values before clamping, for the next solve's initialAlpha. */
  solution?: AlphaSolution;
}

/**
 * An alpha matte (or a mask) that carries its size. `data` has one channel (length width*height), RGB
 * (width*height*3) or RGBA (width*height*4), first channel used: 8-bit 0..255, Uint16Array 0..65535, or
 * Float32Array in [0, 1].
 */
export interface AlphaMatte {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;
}

/**
 * Alpha for an image whose size is already known: a Float32Array of width*height values in [0, 1] (what
 * estimateAlpha returns), or an AlphaMatte of the image's size.
 */
export type AlphaInput = Float32Array | AlphaMatte;

/** Options of estimateForeground (Germer et al., "Fast Multi-Level Foreground Estimation", ICPR 2020). */
export interface ForegroundOptions {
  /** epsilon_r: weight of the smoothness of F and B between neighbours where alpha is flat. 1e-4 to 1e12 (the f32 kernel loses digits below). Default 5e-3. */
  regularization?: number;
  /** omega: extra smoothness weight per unit of alpha difference between neighbours. 0 to 1e12. Default 0.1. */
  gradientWeight?: number;
  /** Sweeps per pyramid level while the level fits in smallSize x smallSize. Default 10. */
  smallIterations?: number;
  /** Sweeps per pyramid level above smallSize. Default 2. */
  bigIterations?: number;
  /** Side (pixels) up to which a level counts as small. Default 32. */
  smallSize?: number;
  /** Called as work advances (phase "foreground"), at most every few tens of milliseconds. */
  onProgress?: (progress: Progress) => void;
  /** Cancels the call; it then rejects with MattingError code "ABORTED". */
  signal?: AbortSignal;
}

export interface ForegroundResult {
  /** Foreground colour per pixel, RGB interleaved in [0, 1], length width*height*3. */
  foreground: Float32Array;
  /** Background colour per pixel, RGB interleaved in [0, 1], length width*height*3. */
  background: Float32Array;
}

/** Options of matte: those of estimateAlpha and of estimateForeground, with one onProgress and one signal. */
export type MatteOptions = AlphaOptions & ForegroundOptions;

export interface MatteStats extends Omit<AlphaStats, "milliseconds"> {
  milliseconds: AlphaStats["milliseconds"] & { foreground: number };
}

export interface MatteResult extends ForegroundResult {
  alpha: Float32Array;
  stats: MatteStats;
  /** With keepSolution: the values before clamping, for the next solve's initialAlpha. */
  solution?: AlphaSolution;
}

/** 8-bit RGBA, row by row (ImageData-compatible). */
export interface RGBAImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface CutoutOptions {
  /** RGB multiplied by alpha (premultiplied) instead of the plain foreground colour (straight). Default false. */
  premultiplied?: boolean;
}

/** A colour: [r, g, b] in 0..255, "#rrggbb" / "#rgb", or a CSS colour name ("white", "rebeccapurple"). */
export type Colour = readonly [number, number, number] | string;

/** A trimap as the helpers return it: one byte per pixel, 0 background, 128 unknown, 255 foreground. */
export interface TrimapImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface TrimapFromMaskOptions {
  /** Width in pixels of the unknown band inside the mask's edge. Default 10. */
  foreground?: number;
  /** Width in pixels of the unknown band outside the mask's edge. Default 10. */
  background?: number;
}

export interface TrimapFromAlphaOptions {
  /** Alpha at or below this is background. Default 0.05. */
  low?: number;
  /** Alpha at or above this is foreground. Default 0.95. */
  high?: number;
  /** Widen the unknown region by this many pixels (Euclidean). Default 0. */
  band?: number;
}

export interface TrimapStats {
  pixels: number;
  foreground: number;
  background: number;
  unknown: number;
  /** Each count divided by pixels. */
  fractions: { foreground: number; background: number; unknown: number };
}
