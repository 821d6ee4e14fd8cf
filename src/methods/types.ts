// What an alpha method is to the code that runs it (src/methods/run.ts): its options with their defaults and
// checks, its memory per pixel (for TOO_LARGE up front), and its phases, which build and solve a system in
// the engine's arena and hand back one value per unknown pixel.
import type { PixelBuffers } from "../alpha.js";
import type { Arena, Engine } from "../engine.js";
import type { Progress } from "../types.js";

/** One option a method takes: its default (pymatting's where pymatting has the method) and its check. */
export interface OptionSpec<T> {
  default: T;
  /** The checked value; throws MattingError INVALID_OPTION naming `key` when `value` is out of range. */
  check(value: unknown, key: string): T;
}

export type OptionTable = Record<string, OptionSpec<unknown>>;

/** The options a method runs with, every one resolved to a value. */
export type ResolvedOptions<Table extends OptionTable> = { [Key in keyof Table]: Table[Key] extends OptionSpec<infer T> ? T : never };

/** Sizes a method's memory figure depends on. */
export interface ProblemSize {
  width: number;
  height: number;
  pixels: number;
  /** Unknown pixels (0 while the trimap is still being read). */
  unknown: number;
}

/** What a method's phases get from the runner. */
export interface MethodContext {
  engine: Engine;
  arena: Arena;
  width: number;
  height: number;
  /** The photo (f64 RGB) and the trimap's labels and counts, in the arena; at least one pixel is unknown. */
  pixels: PixelBuffers;
  /** Passes progress on to the caller; `fraction` covers the whole alpha call, 0..1. */
  progress(progress: Progress): void;
  /** Yields to the event loop, then throws ABORTED if the caller's signal fired. Call between slices of work. */
  checkpoint(): Promise<void>;
  signal?: AbortSignal;
  /** The caller's initialAlpha, f32 per pixel in the arena (an alpha in [0, 1], or a solution's finite values), for the solve's initial guess (seedGuess); 0 or absent when none. */
  initialAlpha?: number;
}

/** A method's answer: alpha of the unknown pixels, and how it was reached. */
export interface MethodSolution {
  /** f64 per row: alpha (unclamped) of the unknown pixel whose row it is. */
  solution: number;
  /** i32 per pixel: the row of each unknown pixel in `solution` (known pixels are not read). */
  unknownIndex: number;
  iterations: number;
  residual: number;
  converged: boolean;
  /** laplacian: building the system (affinities, neighbours); preconditioner: its set-up; solve: the iterations. */
  milliseconds: { laplacian: number; preconditioner: number; solve: number };
  /** Threads that shared the work. */
  threads: number;
  /** The iteration after which the solve switched to smoothed aggregation (closed-form); absent or 0: it did not. */
  switchedAt?: number;
}

export interface AlphaMethod<Table extends OptionTable = OptionTable> {
  /** The value of the `method` option that selects it. */
  name: string;
  /** The options this method takes, flat in the options object, with defaults and checks. */
  options: Table;
  /** Checks options against each other (each alone is checked by its spec); throws INVALID_OPTION. */
  checkOptions?(options: ResolvedOptions<Table>): void;
  /** The smallest width and height it accepts with these options (IMAGE_TOO_SMALL below), and why. */
  minimumSide?(options: ResolvedOptions<Table>): { side: number; reason: string };
  /** The fewest pixels it accepts (IMAGE_TOO_SMALL below), and why, where that is more than minimumSide's square. */
  minimumPixels?(options: ResolvedOptions<Table>): { pixels: number; reason: string };
  /**
   * The most arena bytes it holds at once on top of the photo and labels the runner loads (f64 RGB and one byte
   * per pixel), reckoned before anything is allocated so that TOO_LARGE comes up front.
   */
  peakBytes(size: ProblemSize, options: ResolvedOptions<Table>, engine: Engine): number;
  /** Whether its solve starts from the caller's initialAlpha (seedGuess); without, initialAlpha is INVALID_OPTION. */
  warmStart?: boolean;
  /** Builds and solves; progress and abort checks between slices of work. */
  solve(context: MethodContext, options: ResolvedOptions<Table>): Promise<MethodSolution>;
}
