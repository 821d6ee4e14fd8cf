/**
 * A photo. `data` holds interleaved pixels, row by row:
 * - Uint8Array / Uint8ClampedArray with RGBA (length width*height*4, ImageData fits) or RGB (width*height*3)
 *   samples in 0..255; alpha is ignored;
 * - Float32Array with RGB samples in [0, 1] (length width*height*3).
 */
export interface RGBImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Float32Array;
}

/**
 * A trimap: what is surely foreground, surely background, and unknown.
 * `data` has one channel (length width*height) or RGBA (width*height*4, first channel used).
 * - 8-bit: 0 background, 255 foreground, anything else unknown;
 * - Float32Array in [0, 1]: <= 0.1 background, >= 0.9 foreground, anything else unknown.
 */
export interface Trimap {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Float32Array;
}

export type Phase = "laplacian" | "solve";

export interface Progress {
  phase: Phase;
  /** Fraction of the whole call done, 0..1. */
  fraction: number;
  /** Solver iterations so far (solve phase). */
  iteration?: number;
  /** Relative residual |b - Ax| / |b| so far (solve phase). */
  residual?: number;
}

export interface AlphaOptions {
  /** Regularisation epsilon of the closed-form Laplacian (Levin et al. 2008). Default 1e-7. */
  epsilon?: number;
  /** Window radius r; windows are (2r+1) x (2r+1). Integer 1..8. Default 1. */
  radius?: number;
  /** Stop when the relative residual |b - Ax| / |b| is at most this. Default 1e-7. */
  tolerance?: number;
  /** Iteration cap of the conjugate-gradient solve. Default 20000. */
  maxIterations?: number;
  /** Called as work advances, at most every few tens of milliseconds. */
  onProgress?: (progress: Progress) => void;
  /** Cancels the call; it then rejects with MattingError code "ABORTED". */
  signal?: AbortSignal;
}

export interface AlphaStats {
  width: number;
  height: number;
  unknownPixels: number;
  /** Conjugate-gradient iterations run. */
  iterations: number;
  /** Final relative residual |b - Ax| / |b|. */
  residual: number;
  /** Whether the residual reached the tolerance (false: alpha is the best estimate after maxIterations). */
  converged: boolean;
  milliseconds: { laplacian: number; solve: number; total: number };
  /** Size of the engine's WebAssembly memory after the call (the highest any call on this engine needed). */
  wasmMemoryBytes: number;
  /** Bytes of wasm memory this call held at its peak, above the module's static data. */
  peakBytes: number;
}

export interface AlphaResult {
  /** Alpha per pixel in [0, 1], row by row, length width*height. */
  alpha: Float32Array;
  stats: AlphaStats;
}
