// Sparse symmetric positive definite systems for any method (assembly/solve/): assembling a method's matrix in
// the arena from its kernels, and solving it by preconditioned CG in slices with progress and abort.
import type { Arena, Kernels } from "../engine.js";
import type { MethodContext } from "./types.js";
import { nextSlice, relativeResidual } from "../slices.js";
import { seedGuess } from "./guess.js";

export interface SparseKernels extends Kernels {
  sparseRowStarts(rows: number, rowStart: number): number;
  sparseSortRows(rows: number, rowStart: number, columns: number, values: number): number;
  sparseRowSplits(matrix: number): void;
  sparsePreconditionerSetup(matrix: number, kind: number, inverseDiagonal: number): void;
  sparsePrecondition(matrix: number, r: number, z: number): void;
  sparsePcgStart(matrix: number, b: number, x: number, r: number, z: number, p: number, state: number): number;
  constrainedRows(full: number, labels: number, hops: number, activeIndex: number): number;
  constrainedCounts(full: number, activeIndex: number, counts: number): void;
  constrainedFill(full: number, activeIndex: number, labels: number, lambda: number, rowScale: number,
    cursor: number, columns: number, values: number, diagonal: number, rhs: number): void;
  sparsePcgIterate(matrix: number, x: number, r: number, z: number, p: number, q: number, state: number, maxSteps: number, tolerance: number): number;
}

export const SPARSE_PRECONDITIONERS = ["jacobi", "gauss-seidel"] as const;
export type SparsePreconditioner = (typeof SPARSE_PRECONDITIONERS)[number];
const PRECONDITIONER_CODES: Record<SparsePreconditioner, number> = { jacobi: 0, "gauss-seidel": 1 };

/** A matrix in the layout of assembly/solve/sparse.ts, with its right-hand side (pointers into the arena). */
export interface SparseSystem {
  rows: number;
  entries: number;
  /** The matrix record (8 i32 fields). */
  matrix: number;
  rowStart: number; // i32, rows + 1
  columns: number; // i32, entries
  values: number; // f64, entries
  diagonal: number; // f64, rows
  rhs: number; // f64, rows
}

/** Bytes a sparse system and its solve hold per row (row starts, splits, diagonal, rhs, inverse diagonal, five CG vectors) and per entry. */
export const SPARSE_BYTES = { perRow: 4 + 4 + 8 + 8 + 8 + 5 * 8, perEntry: 4 + 8 };

/**
 * Lays a sparse matrix out in the arena from a method's kernels:
 * - `countRows(counts)` writes the number of off-diagonal entries of row i (duplicates allowed) at counts[i];
 * - `fillRows(cursor, columns, values, diagonal, rhs)` writes row i's entries from index cursor[i] on (advancing it),
 *   and the diagonal and right-hand side.
 * Entries of one column within a row are summed, rows are sorted by column.
 */
export function assembleSparse(
  arena: Arena, kernels: SparseKernels, rows: number,
  countRows: (counts: number) => void,
  fillRows: (cursor: number, columns: number, values: number, diagonal: number, rhs: number) => void,
): SparseSystem {
  const matrix = arena.alloc(32);
  const rowStart = arena.alloc((rows + 1) * 4);
  const diagonal = arena.alloc(rows * 8), rhs = arena.alloc(rows * 8);
  const rowSplit = arena.alloc(rows * 4);
  arena.i32(rowStart, rows + 1).fill(0);
  countRows(rowStart + 4);
  const counted = kernels.sparseRowStarts(rows, rowStart);
  arena.ensureFits(counted * 12 + rows * 4, `a sparse system of ${rows} rows and ${counted} entries`);
  const columns = arena.alloc(counted * 4), values = arena.alloc(counted * 8);
  const mark = arena.mark();
  const cursor = arena.alloc(rows * 4);
  arena.i32(cursor, rows).set(arena.i32(rowStart, rows));
  fillRows(cursor, columns, values, diagonal, rhs);
  arena.release(mark);
  const entries = kernels.sparseSortRows(rows, rowStart, columns, values);
  arena.recycle(columns + entries * 4, (counted - entries) * 4);
  arena.recycle(values + entries * 8, (counted - entries) * 8);
  arena.i32(matrix, 6).set([rows, rowStart, columns, values, diagonal, rowSplit]);
  kernels.sparseRowSplits(matrix);
  return { rows, entries, matrix, rowStart, columns, values, diagonal, rhs };
}

/** pymatting's make_linear_system: the constraint weight lambda (laplacian.py's default 100). */
export const CONSTRAINT_WEIGHT = 100;

/**
 * pymatting's make_linear_system (assembly/solve/constrain.ts) from a Laplacian `full` over all pixels (its pixel
 * order), restricted to the unknown pixels and the known ones within `hops` hops of them. rowScale: f64 per
 * pixel (the row sums of a row-normalised Laplacian), or 0. activeIndex: each pixel's row, or -1; an unknown
 * pixel always has one, so it serves as the unknown index of composeAlpha.
 */
export function constrainedSystem(
  arena: Arena, kernels: SparseKernels, full: SparseSystem, labels: number, hops: number, rowScale = 0, lambda = CONSTRAINT_WEIGHT,
): { system: SparseSystem; activeIndex: number } {
  const activeIndex = arena.alloc(full.rows * 4);
  const rows = kernels.constrainedRows(full.matrix, labels, hops, activeIndex);
  const system = assembleSparse(arena, kernels, rows,
    (counts) => kernels.constrainedCounts(full.matrix, activeIndex, counts),
    (cursor, columns, values, diagonal, rhs) =>
      kernels.constrainedFill(full.matrix, activeIndex, labels, lambda, rowScale, cursor, columns, values, diagonal, rhs));
  return { system, activeIndex };
}

export interface SparseSolution {
  solution: number; // f64, rows
  iterations: number;
  residual: number;
  converged: boolean;
  setupMilliseconds: number;
}


/**
 * Preconditioned CG from x = 0 (or the caller's warm start, on the rows that `index` gives each pixel) until |b - Ax| <= tolerance |b| or maxIterations, in slices of about SLICE_MS
 * between which `report(iteration, residual)` is called and the caller's signal is checked.
 */
export async function solveSparse(
  context: MethodContext, system: SparseSystem,
  options: { tolerance: number; maxIterations: number; preconditioner: SparsePreconditioner },
  report: (iteration: number, residual: number) => void, index?: number,
): Promise<SparseSolution> {
  const { arena } = context;
  const kernels = context.engine.kernels as SparseKernels;
  const { rows, matrix } = system;
  const started = performance.now();
  let kind = options.preconditioner;
  const inverseDiagonal = arena.alloc(rows * 8);
  kernels.sparsePreconditionerSetup(matrix, PRECONDITIONER_CODES[kind], inverseDiagonal);
  const setupMilliseconds = performance.now() - started;
  const vector = () => arena.alloc(rows * 8);
  const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
  arena.f64(x, rows).fill(0);
  if (index !== undefined) seedGuess(context, index, x);
  const state = arena.alloc(32);
  const indefinite = () => arena.f64(state, 4)[3] !== 0;
  let residual = kernels.sparsePcgStart(matrix, system.rhs, x, r, z, p, state);
  let iterations = 0;
  let slice = 1;
  while (residual > options.tolerance && iterations < options.maxIterations) {
    const steps = Math.min(slice, options.maxIterations - iterations);
    const sliceStarted = performance.now();
    const ran = indefinite() ? 0 : kernels.sparsePcgIterate(matrix, x, r, z, p, q, state, steps, options.tolerance);
    const elapsed = performance.now() - sliceStarted;
    iterations += ran;
    residual = relativeResidual(arena.f64(state, 3));
    if (indefinite()) {
      // Gauss-Seidel lost definiteness in rounding: go on from x with Jacobi, which cannot.
      if (kind === "jacobi") break;
      kind = "jacobi";
      kernels.sparsePreconditionerSetup(matrix, PRECONDITIONER_CODES[kind], inverseDiagonal);
      residual = kernels.sparsePcgStart(matrix, system.rhs, x, r, z, p, state);
      continue;
    }
    if (ran < steps) break; // converged, or the search direction vanished in rounding
    slice = nextSlice(slice, elapsed);
    report(iterations, residual);
    await context.checkpoint();
  }
  return { solution: x, iterations, residual, converged: residual <= options.tolerance, setupMilliseconds };
}
