// Closed-form alpha matting (Levin, Lischinski, Weiss 2008) over the engine's kernels:
// windowed statistics -> Laplacian restricted to the unknown pixels -> preconditioned CG -> alpha.
import type { Arena, Engine } from "./engine.js";
import { MattingError, abortError } from "./errors.js";
import { loadLabels, loadRgb64, type TrimapCounts } from "./planes.js";
import { LEVEL_SPLITTING, type Split, nodeRanges, splitParents, splitRows } from "./split.js";
import type { CheckedPlane, ResolvedAlphaOptions } from "./validate.js";
import { type Pause, inSlices, nextSlice, relativeResidual, within } from "./slices.js";
import { yieldToEventLoop } from "./yield.js";
import { setUpSmoothedMultigrid } from "./smoothed.js";
import { type FirstLevel, SmoothedSwitch } from "./smoothed-switch.js";

const now = () => performance.now();
/** A share of a thread's rows or nodes, in these units, is what one slice of a kernel does (assembly: SHARE_BITS). */
const SHARE_UNITS = 1 << 16;
const noPause: Pause = async () => {};
/**
 * Box pixels per slice of the Laplacian build at radius 1 (fewer at larger radii, in proportion to the
 * window's area): about 40 ms on a loaded 2-core machine.
 */
const ASSEMBLY_SLICE_PIXELS = 1 << 16;
/**
 * The first slice of the multigrid set-up's stages covers this many fine rows (first level) or nodes (coarser
 * levels): at most 10-30 ms on one thread at load average 9 (GT01, GT04, GT26 Trimap2: 0.2 us per row and stage,
 * 1-4 us per node in the Galerkin stage). The first 256th of a stage, as before, gave small images five slices per
 * stage, each a command that wakes the helper threads and meets them at its end. Later slices are timed as before.
 */
const SET_UP_FIRST_ROWS = 1 << 16, SET_UP_FIRST_NODES = 1 << 13;
/** The first slice of `count` rows or nodes (in SHARE_UNITS of each thread's) that covers `budget` of them, or all. */
const firstShare = (count: number, budget: number) => Math.min(SHARE_UNITS, Math.ceil((SHARE_UNITS * budget) / Math.max(count, 1)));


export interface PixelBuffers {
  image: number; // f64 RGB
  labels: number; // u8
  counts: TrimapCounts;
  /** Set when something reads the photo after the method at hand (combined's voters): releasePhoto leaves it. */
  keepImage?: boolean;
}

/** Hands the photo's 24 bytes per pixel back to the arena once its last reader is done, unless it is to be kept. */
export function releasePhoto(arena: Arena, pixels: PixelBuffers, width: number, height: number): void {
  if (!pixels.keepImage) arena.recycle(pixels.image, width * height * 24);
}

/**
 * Copies trimap and image into the arena as labels and f64 RGB, rejecting NaN or out-of-range floats.
 * The trimap goes first so that `beforeImage` can judge its counts (and the memory they imply) before
 * the image takes its share.
 */
export function loadPixels(
  arena: Arena, engine: Engine, image: CheckedPlane, trimap: CheckedPlane,
  beforeImage: (counts: PixelBuffers["counts"]) => void = () => {},
): PixelBuffers {
  const { labels, counts } = loadLabels(arena, engine, trimap);
  beforeImage(counts);
  return { image: loadRgb64(arena, engine, image, "image"), labels, counts };
}

export function checkTrimapCounts(counts: PixelBuffers["counts"], name = "trimap"): void {
  if (counts.unknown === 0) return;
  if (counts.foreground === 0) {
    throw new MattingError("NO_FOREGROUND", `${name} marks no pixel as foreground (255, or >= 0.9 for floats)`, { ...counts });
  }
  if (counts.background === 0) {
    throw new MattingError("NO_BACKGROUND", `${name} marks no pixel as background (0, or <= 0.1 for floats)`, { ...counts });
  }
}

/** The restricted Laplacian in the stencil layout of assembly/stencil.ts (pointers into the arena). */
export interface StencilSystem {
  rows: number; // unknown pixels
  half: number; // stored off-diagonal offsets per row
  unknownIndex: number; // i32 per pixel: row of an unknown pixel, -1 for known ones
  columns: number; // i32, rows * half (the dummy row `rows` where there is no entry)
  values: number; // f64, rows * half
  diagonal: number; // f64, rows
  rhs: number; // f64, rows + 1
  /** How the engine's threads share the rows, when they do. */
  split?: Split;
}

/**
 * Builds the Laplacian restricted to the unknown pixels, with its right-hand side, in slices of rows with
 * `pause` between. minRowsPerThread: see splitRows (tests only).
 */
export async function buildSystem(
  arena: Arena, engine: Engine, pixels: PixelBuffers, width: number, height: number, radius: number, epsilon: number,
  minRowsPerThread?: number, pause = noPause,
): Promise<StencilSystem> {
  const k = engine.kernels;
  const n = width * height;
  const half = k.stencilHalf(radius);
  const rows = pixels.counts.unknown;
  arena.ensureFits(n * 4 + rows * bytesPerUnknown(half, "jacobi"), `a ${width}x${height} image with ${rows} unknown pixels`);
  const unknownIndex = arena.alloc(n * 4);
  k.indexUnknowns(pixels.labels, n, unknownIndex);
  await pause(0);
  const columns = arena.alloc(rows * half * 4);
  const values = arena.alloc(rows * half * 8);
  const diagonal = arena.alloc(rows * 8);
  const rhs = arena.alloc((rows + 1) * 8);
  const split = splitRows(arena, k, unknownIndex, width, height, rows, engine.threads, radius, minRowsPerThread);
  await pause(0);
  const mark = arena.mark();
  const boxPtr = arena.alloc(16);
  k.unknownBox(pixels.labels, width, height, 2 * radius, boxPtr);
  await pause(0);
  const [boxX, boxY, boxWidth, boxHeight] = arena.i32(boxPtr, 4);
  // Each thread builds the rows of its band of image rows, with scratch of its own.
  const threads = split ? engine.threads : 1;
  const scratchBytes = Math.ceil(k.stencilScratchBytes(boxWidth, radius) / 16) * 16;
  const scratch = arena.alloc(scratchBytes * threads);
  const bands = arena.alloc(4 * (threads + 1));
  const bandStarts = split ? split.bandStarts.map((y) => Math.min(Math.max(y - boxY, 0), boxHeight)) : [0];
  arena.i32(bands, threads + 1).set([...bandStarts, boxHeight]);
  const job = arena.alloc(88);
  arena.i32(job, 18).set([pixels.image, pixels.labels, unknownIndex, width, height, radius, rows, columns, values, diagonal, rhs,
    scratch, scratchBytes, boxX, boxY, boxWidth, boxHeight, bands]);
  arena.f64(job + 72, 1)[0] = epsilon;
  // Slices of each thread's band, fixed by the image rather than timed: where a slice starts changes the
  // rounding of the sliding box sums, and the same input must give the same alpha on every run.
  const window = (2 * radius + 1) ** 2;
  const longestBand = Math.max(...bandStarts.map((start, t) => (bandStarts[t + 1] ?? boxHeight) - start));
  const rowsPerSlice = Math.max(8 * (2 * radius + 1), Math.ceil((ASSEMBLY_SLICE_PIXELS * 9) / (window * boxWidth)));
  const slices = Math.ceil(longestBand / rowsPerSlice);
  const share = (slice: number) => Math.floor((slice * SHARE_UNITS) / slices);
  await inSlices(slices, (first, end) => {
    arena.i32(job + 80, 2).set([share(first), share(end)]);
    engine.together("assembleTogether", [job], !split);
  }, pause, 1);
  arena.release(mark);
  arena.f64(rhs + rows * 8, 1)[0] = 0;
  return { rows, half, unknownIndex, columns, values, diagonal, rhs, split };
}

/** Bytes per unknown pixel of one thread's copies of the replicated block levels' vectors (a bound; see below). */
const REPLICA_BYTES_PER_UNKNOWN = 4;

/**
 * Bytes per unknown pixel for the system and the solver: entries, diagonal, rhs and five CG vectors,
 * plus the preconditioner (multigrid: about 200 bytes at the first level's typical one node per 8 unknowns, and
 * at the radii it runs at, the entries again in f32 for its sweeps; on threads, each thread past the first holds its
 * own copy of the replicated block levels' vectors: measured 1.0-1.8 bytes per unknown pixel, counted as 4).
 */
export function bytesPerUnknown(half: number, preconditioner: "jacobi" | "multigrid", threads = 1): number {
  const sweepCopy = half <= MULTIGRID_MAX_HALF ? half * 4 + (half === REGULAR_HALF ? 1 : 0) : 0;
  // The vector for A z from the cycle (assembly/solve.ts pcgIterate), and the threads' replicas.
  const multigrid = 200 + sweepCopy + 8 + (threads - 1) * REPLICA_BYTES_PER_UNKNOWN;
  return half * (4 + 8) + 16 + 5 * 8 + 8 + (preconditioner === "multigrid" ? multigrid : 0);
}

/** The same matrix in compressed sparse rows (ascending columns), for inspection and tests (minRowsPerThread: see splitRows). */
export interface LaplacianSystem {
  rows: number;
  nonzeros: number;
  unknownIndex: number; // i32 per pixel
  rowStart: number; // i32, rows + 1
  columns: number; // i32, nonzeros
  values: number; // f64, nonzeros
  rhs: number; // f64, rows
  diagonal: number; // f64, rows
}

export async function buildLaplacian(
  arena: Arena, engine: Engine, pixels: PixelBuffers, width: number, height: number, radius: number, epsilon: number,
  minRowsPerThread?: number,
): Promise<LaplacianSystem> {
  const k = engine.kernels;
  const system = await buildSystem(arena, engine, pixels, width, height, radius, epsilon, minRowsPerThread);
  const { rows, half } = system;
  const rowStart = arena.alloc((rows + 1) * 4);
  const cursor = arena.alloc(rows * 4);
  const nonzeros = k.stencilToCsr(rows, half, system.columns, system.values, system.diagonal, rowStart, 0, 0, cursor);
  const columns = arena.alloc(nonzeros * 4);
  const values = arena.alloc(nonzeros * 8);
  k.stencilToCsr(rows, half, system.columns, system.values, system.diagonal, rowStart, columns, values, cursor);
  return { rows, nonzeros, unknownIndex: system.unknownIndex, rowStart, columns, values, rhs: system.rhs, diagonal: system.diagonal };
}

export interface SolveResult {
  solution: number; // f64, rows + 1
  iterations: number;
  residual: number;
  converged: boolean;
  /** Milliseconds spent setting up the preconditioner. */
  setupMilliseconds: number;
  /** The threads' answer failed the check on one thread, which then finished the solve alone. */
  finishedAlone: boolean;
  /** Offset of the preconditioner's data in the arena (multigrid: the hierarchy's header), for tests. */
  preconditioner: number;
  /** The iteration after which the solve went on with smoothed aggregation (src/smoothed-switch.ts); 0: it did not. */
  switchedAt: number;
}

const PRECONDITIONER_CODES = { jacobi: 0, multigrid: 1 } as const;
/** Layout of the hierarchy records (assembly/aggregation.ts). */
const HEADER_BYTES = 64;
const LEVEL_BYTES = 64;
const MAX_LEVELS = 16;
/**
 * Bytes per node of a block level's arrays (setUpMultigrid's levelArrays; parent and prolongator on every level but
 * the coarsest); a vector of `nodes` holds (nodes + 1) * VECTOR_NODE_BYTES. One place for the set-up and for
 * recyclePlainLevels, which frees them by these sizes.
 */
const LEVEL_NODE_BYTES = { cell: 4, neighbours: 36, blocks: 576, nullSpace: 128, inverses: 64, parent: 4, prolongator: 64 };
const VECTOR_NODE_BYTES = 16;
/**
 * Scale of the fine level's coarse correction (see assembly/aggregation.ts). The K-cycle already finds
 * the right scale, so 1; tests raise it to drive the solver's safeguard.
 */
const OVER_CORRECTION = 1;
/**
 * On one thread, block levels with more nodes than this (576 bytes of blocks each: 18.9 MB, past the caches) sweep
 * forward after their coarse correction as before it, reading their blocks in storage order; smaller levels, all of the
 * low-res cases', keep the symmetric forward-backward pair (assembly/cycle.ts smoothCycle; README, issue 12 at scale).
 */
const FORWARD_AFTER_NODES = 1 << 15;
/** Block levels stop coarsening at this many nodes (solved there by Gauss-Seidel sweeps): 128 took the same iterations as 64 on the alphamatting set and less time, with one or two fewer levels; 512 took a quarter more iterations. */
const COARSEST_NODES = 128;
/**
 * Smoothed aggregation (src/smoothed.ts), an alternative to the plain hierarchy that options.smoothedAggregation asks
 * for (internal; not the default: see README, "Smoothed aggregation, built"): one thread, radius 1 (its prolongators
 * reach 2 pixels) and up to this many unknowns, since it holds about twice the plain hierarchy's memory (up to 1.8x
 * the memory budget of 300 bytes per unknown pixel and 40 per image pixel, a few tens of MB at this size). Larger
 * systems stay plain and within the budget: at 2^20, high-res GT11 Trimap1 (805 k unknowns) switched and peaked at
 * 610 MiB against its 477 MiB budget.
 */
const SMOOTHED_MAX_UNKNOWNS = 1 << 18;
/** First-level blocks are 4x4 pixels, so a stencil may reach 4 pixels (radius 2) at most. */
const MULTIGRID_MAX_RADIUS = 2;
/** Stored offsets per row at MULTIGRID_MAX_RADIUS: ((4r + 1)^2 - 1) / 2. Wider stencils are solved with Jacobi. */
const MULTIGRID_MAX_HALF = 40;
/** Stored offsets per row at radius 1, whose rows with every neighbour unknown the sweeps take faster (assembly/fine-regular.ts). */
const REGULAR_HALF = 12;

/**
 * Zeroes entry `index` (the dummy unknown or node, of `bytes` bytes) of a vector and returns the vector. Kernels
 * read dummies as 0 and never write them: with threads, one may be read while another thread would write it.
 */
function zeroDummy(arena: Arena, vector: number, index: number, bytes: number): number {
  arena.u8(vector + index * bytes, bytes).fill(0);
  return vector;
}

/**
 * Recycles a plain hierarchy's levels (setUpMultigrid on one thread: one copy of each vector): their neighbour
 * tables, blocks, inverses, node cells, transfers and vectors, by the sizes their node counts give. The header, the
 * fine vectors and the first level's arrays kept for the switch (src/smoothed-switch.ts) stay.
 */
export function recyclePlainLevels(arena: Arena, plain: number): void {
  const levels = arena.i32(plain, 1)[0];
  for (let l = 0; l < levels; l++) {
    const [nodes, neighbours, blocks, x, b, r, parent, prolongator, cell, inverses, ...krylov] = arena.i32(plain + HEADER_BYTES + l * LEVEL_BYTES, 14);
    const perNode = LEVEL_NODE_BYTES, vectorBytes = (nodes + 1) * VECTOR_NODE_BYTES;
    const dead = [[neighbours, nodes * perNode.neighbours], [blocks, nodes * perNode.blocks], [cell, nodes * perNode.cell],
      [inverses, nodes * perNode.inverses], ...[x, b, r, ...krylov].map((vector) => [vector, vectorBytes]),
      ...(parent ? [[parent, nodes * perNode.parent], [prolongator, nodes * perNode.prolongator]] : [])];
    for (const [offset, bytes] of dead) arena.recycle(offset, bytes);
  }
}

/** The aggregation multigrid hierarchy over the fine system, in slices with `pause` between. Returns the header's offset. */
async function setUpMultigrid(
  arena: Arena, engine: Engine, system: StencilSystem, pixels: PixelBuffers, width: number, height: number, overCorrection: number,
  pause: Pause, keep?: FirstLevel, forwardAfterNodes = FORWARD_AFTER_NODES,
): Promise<number> {
  const k = engine.kernels;
  const { rows, half } = system;
  const hierarchy = arena.alloc(HEADER_BYTES + LEVEL_BYTES * MAX_LEVELS);
  const fineVector = () => zeroDummy(arena, arena.alloc((rows + 1) * 8), rows, 8);
  // The sweep from zero is done with its sums when it writes the residual (assembly/fine.ts): one vector for both.
  const sums = fineVector(), residual = sums;
  const rowNode = arena.alloc(rows * 4), rowBasis = arena.alloc(rows * 16);
  const cycleScratch = arena.alloc(32);
  const temporaries: { offset: number; bytes: number }[] = [];
  const temporary = (bytes: number) => {
    const offset = arena.alloc(bytes);
    temporaries.push({ offset, bytes });
    return offset;
  };
  // A level's vectors; `copies` of each, one per thread, on a replicated level (stride: bytes between them, 0 for one).
  const levelVectors = (nodes: number, copies: number) => {
    const bytes = (nodes + 1) * VECTOR_NODE_BYTES;
    const levelVector = () => {
      const first = arena.alloc(bytes * copies);
      for (let c = 0; c < copies; c++) zeroDummy(arena, first + c * bytes, nodes, 16);
      return first;
    };
    return { x: levelVector(), b: levelVector(), r: levelVector(), krylov: [0, 1, 2, 3].map(levelVector), stride: copies > 1 ? bytes : 0 };
  };
  const levelArrays = (nodes: number) => ({
    cell: arena.alloc(nodes * LEVEL_NODE_BYTES.cell), neighbours: arena.alloc(nodes * LEVEL_NODE_BYTES.neighbours),
    blocks: arena.alloc(nodes * LEVEL_NODE_BYTES.blocks), nullSpace: temporary(nodes * LEVEL_NODE_BYTES.nullSpace),
    inverses: arena.alloc(nodes * LEVEL_NODE_BYTES.inverses),
  });

  let gw = Math.ceil(width / 4), gh = Math.ceil(height / 4);
  let cells = temporary(gw * gh * 4);
  let nodes = k.markFirstCells(system.unknownIndex, width, height, cells, gw, gh);
  let level = levelArrays(nodes);
  // Kept for a later switch to smoothed aggregation (src/smoothed-switch.ts), which starts from the same cells.
  if (keep) {
    temporaries.length = 0;
    Object.assign(keep, { width, height, cells, gw, gh, nodes, nullSpace: level.nullSpace, rowNode, rowBasis });
  }
  await pause(0);
  k.nodeTables(cells, gw, gh, nodes, level.cell, level.neighbours, 1);
  await pause(0.02);
  // Threads share a level's nodes on the first levels only, while each has enough of them.
  let ranges = nodeRanges(arena, system.split, 0, level.cell, nodes, gw);
  const threads = ranges === 0 ? 1 : engine.threads;
  let vectors = levelVectors(nodes, 1);
  const firstScratch = arena.alloc(k.firstLevelScratchBytes() * threads);
  const job = arena.alloc(26 * 4);
  arena.i32(job, 21).set([system.unknownIndex, pixels.image, width, height, rows, half, system.columns, system.values, system.diagonal,
    cells, gw, nodes, level.cell, level.blocks, level.nullSpace, rowNode, rowBasis, firstScratch, ranges, system.split?.rowRanges ?? 0,
    level.neighbours]);
  // Its three stages (assembly/aggregation.ts) one after the other, the first two in slices.
  const firstLevelStage = (stage: number, from = 0, to = SHARE_UNITS) => {
    arena.i32(job + 84, 3).set([stage, from, to]);
    engine.together("buildFirstLevelTogether", [job], ranges === 0);
  };
  await inSlices(SHARE_UNITS, (from, to) => firstLevelStage(0, from, to), within(pause, 0.02, 0.2), undefined, firstShare(rows, SET_UP_FIRST_ROWS));
  // Stage 0 was the last to read the photo: its 24 bytes per pixel take the sweeps' f32 entries (4 per stored
  // offset), which stage 1 writes, and whatever else fits.
  releasePhoto(arena, pixels, width, height);
  const sweepValues = arena.alloc(rows * half * 4);
  // At radius 1, a byte per row: 1 where all of the row's neighbours are unknown (assembly/fine-regular.ts).
  const regularFlags = half === REGULAR_HALF ? arena.alloc(rows) : 0;
  arena.i32(job + 96, 2).set([sweepValues, regularFlags]);
  await inSlices(SHARE_UNITS, (from, to) => firstLevelStage(1, from, to), within(pause, 0.2, 0.5), undefined, firstShare(rows, SET_UP_FIRST_ROWS));
  firstLevelStage(2);
  const records: number[][] = [];
  const coarseScratch = arena.alloc(k.coarseScratchBytes() * engine.threads), coarseJob = arena.alloc(19 * 4);
  // Each coarser level has about a quarter of the nodes: its share of the remaining progress.
  let levelStart = 0.5;
  while (records.length + 1 < MAX_LEVELS && nodes > COARSEST_NODES) {
    const pw = (gw + 1) >> 1, ph = (gh + 1) >> 1;
    const parentCells = temporary(pw * ph * 4);
    const parentNodes = k.markParentCells(level.cell, nodes, gw, parentCells, pw, ph, 2);
    const parentLevel = levelArrays(parentNodes);
    const parent = arena.alloc(nodes * LEVEL_NODE_BYTES.parent), prolongator = arena.alloc(nodes * LEVEL_NODE_BYTES.prolongator), children = temporary(parentNodes * 20);
    k.nodeTables(parentCells, pw, ph, parentNodes, parentLevel.cell, parentLevel.neighbours, 1);
    k.coarseParents(nodes, gw, level.cell, parent, parentCells, pw, parentNodes, parentLevel.blocks, children);
    // The rest on threads while this level is split: each thread the parents of its own nodes (assembly/coarse-together.ts);
    // else on this thread alone.
    const parents = ranges === 0 || !LEVEL_SPLITTING.parentsOnThreads ? 0 : splitParents(arena, system.split!, records.length + 1, parentLevel.cell, parentNodes, pw);
    arena.i32(coarseJob, 16).set([nodes, level.neighbours, level.blocks, level.nullSpace, parent, prolongator, parentNodes, parentLevel.cell,
      parentLevel.blocks, parentLevel.nullSpace, coarseScratch, children, level.inverses, pw, ranges, parents]);
    const coarseStage = (stage: number, from: number, to: number) => {
      arena.i32(coarseJob + 64, 3).set([stage, from, to]);
      engine.together("buildCoarseLevelTogether", [coarseJob], parents === 0);
    };
    const levelEnd = levelStart + (1 - levelStart) * 0.75;
    const levelPause = (from: number, to: number) => within(pause, levelStart + (levelEnd - levelStart) * from, levelStart + (levelEnd - levelStart) * to);
    const coarseFirst = firstShare(nodes, SET_UP_FIRST_NODES);
    await inSlices(SHARE_UNITS, (from, to) => coarseStage(1, from, to), levelPause(0, 0.3), undefined, coarseFirst);
    await inSlices(SHARE_UNITS, (from, to) => coarseStage(2, from, to), levelPause(0.3, 0.8), undefined, coarseFirst);
    await inSlices(SHARE_UNITS, (from, to) => coarseStage(3, from, to), levelPause(0.8, 1), undefined, coarseFirst);
    levelStart = levelEnd;
    // Below the split levels, every thread runs the coarser levels whole on copies of their vectors (replicated).
    const parentRanges = ranges === 0 || parentNodes <= COARSEST_NODES ? 0 : nodeRanges(arena, system.split, records.length + 1, parentLevel.cell, parentNodes, pw);
    const parentVectors = levelVectors(parentNodes, parentRanges === 0 && (ranges !== 0 || vectors.stride !== 0) ? threads : 1);
    records.push([nodes, level.neighbours, level.blocks, vectors.x, vectors.b, vectors.r, parent, prolongator, level.cell, level.inverses,
      ...vectors.krylov, ranges, vectors.stride]);
    ranges = parentRanges;
    vectors = parentVectors;
    level = parentLevel;
    nodes = parentNodes;
    cells = parentCells;
    gw = pw;
    gh = ph;
  }
  k.finishLevel(0, nodes, level.blocks, level.inverses, coarseScratch, 9);
  await pause(1);
  // Set-up only: the near-null-space coefficients and cell grids of every level.
  for (const dead of temporaries) arena.recycle(dead.offset, dead.bytes);
  // The coarsest level is never split: solved by every thread on its own copy (replicated), or by one.
  records.push([nodes, level.neighbours, level.blocks, vectors.x, vectors.b, vectors.r, 0, 0, level.cell, level.inverses, ...vectors.krylov, 0,
    vectors.stride]);
  arena.i32(hierarchy, 11).set([records.length, rows, half, system.columns, system.values, system.diagonal, sums, residual,
    rowNode, rowBasis, cycleScratch]);
  arena.f32(hierarchy + 44, 1)[0] = overCorrection;
  arena.i32(hierarchy + 48, 4).set([sweepValues, 0, forwardAfterNodes, regularFlags]); // field 13: not smoothed (src/smoothed.ts); 14 (cycle.ts)
  records.forEach((fields, i) => arena.i32(hierarchy + HEADER_BYTES + i * LEVEL_BYTES, fields.length).set(fields));
  return hierarchy;
}

/** The preconditioner's arrays, laid out in the arena. */
async function setUpPreconditioner(
  arena: Arena, engine: Engine, system: StencilSystem, pixels: PixelBuffers, width: number, height: number,
  kind: "jacobi" | "multigrid", overCorrection: number, pause: Pause, smoothed = false, keep?: FirstLevel, forwardAfterNodes?: number,
): Promise<number> {
  if (kind === "multigrid" && smoothed) return setUpSmoothedMultigrid(arena, engine, system, pixels, width, height, overCorrection, pause);
  if (kind === "multigrid") return setUpMultigrid(arena, engine, system, pixels, width, height, overCorrection, pause, keep, forwardAfterNodes);
  const inverseDiagonal = arena.alloc((system.rows + 1) * 8);
  engine.kernels.jacobiSetup(system.diagonal, system.rows, inverseDiagonal);
  return inverseDiagonal;
}

/**
 * The record the CG kernels read (assembly/solve.ts, fine.ts: i32 fields): the system, the preconditioner, the
 * threads' split and the vector for A z from the cycle (`product`, or 0). farRows: the split's (0: the kernels bound
 * the near rows by crossLength instead; tests compare the two). Returns its offset.
 */
export function solverRecord(
  arena: Arena, system: StencilSystem, kind: keyof typeof PRECONDITIONER_CODES, preconditioner: number, product: number,
  farRows = system.split?.farRows ?? 0,
): number {
  const { split } = system;
  const record = arena.alloc(52);
  arena.i32(record, 13).set([system.rows, system.half, system.columns, system.values, system.diagonal,
    PRECONDITIONER_CODES[kind], preconditioner, split?.rowRanges ?? 0, split?.cross ?? 0, split?.ghost ?? 0, split?.crossLength ?? 0, product,
    farRows]);
  return record;
}

/**
 * Preconditioned CG from x = 0, or from what `options.seed(x)` writes (a warm start), in slices of about SLICE_MS
 * between which progress and abort are handled; `setUpPause` between the slices of the preconditioner's set-up.
 */
export async function solveSystem(
  arena: Arena, engine: Engine, system: StencilSystem, pixels: PixelBuffers, grid: { width: number; height: number },
  options: ResolvedAlphaOptions & { seed?: (x: number) => void },
  report: (iteration: number, residual: number) => void, setUpPause = noPause,
): Promise<SolveResult> {
  const { rows } = system;
  const started = now();
  // The first multigrid level groups 4x4 pixels, which a wider stencil would reach past.
  let kind = options.radius > MULTIGRID_MAX_RADIUS ? "jacobi" : options.preconditioner;
  let overCorrection = options.overCorrection ?? OVER_CORRECTION;
  const { split } = system;
  const smoothable = kind === "multigrid" && options.radius === 1 && !split && rows <= SMOOTHED_MAX_UNKNOWNS;
  const smoothed = smoothable && options.smoothedAggregation === true;
  // Otherwise the plain hierarchy, and smoothed aggregation later where the solve turns out slow (src/smoothed-switch.ts;
  // closed-form asks for it, where its costs were measured).
  const switcher = smoothable && !smoothed && options.smoothedSwitch === true ? new SmoothedSwitch(options.tolerance) : undefined;
  let preconditioner = await setUpPreconditioner(arena, engine, system, pixels, grid.width, grid.height, kind, overCorrection, setUpPause,
    smoothed, switcher?.firstLevel, options.forwardAfterNodes);
  // Nothing reads the photo after set-up: its 24 bytes per pixel take the solver's vectors (multigrid's set-up
  // has handed them on already).
  if (kind !== "multigrid") releasePhoto(arena, pixels, grid.width, grid.height);
  const setupMilliseconds = now() - started;
  const vector = () => zeroDummy(arena, arena.alloc((rows + 1) * 8), rows, 8);
  // The multigrid cycle's last sweep also gives A z, from which CG updates A p without a product of its own
  // (assembly/solve.ts pcgIterate): a vector for it.
  const product = kind === "multigrid" ? vector() : 0;
  const descriptor = solverRecord(arena, system, kind, preconditioner, product);
  const x = vector(), r = vector(), z = vector(), p = vector(), q = vector();
  const state = arena.alloc(40);
  const indefinite = () => arena.f64(state, 4)[3] !== 0;
  // On threads until their answer fails the check below; then, and when the rows are not split, alone.
  let alone = !split;
  const start = () => engine.together("pcgStart", [descriptor, system.rhs, x, r, z, p, state], alone);
  arena.f64(x, rows + 1).fill(0);
  options.seed?.(x);
  let residual = start();
  await setUpPause(1);
  let iterations = 0;
  let slice = 1;
  let restarted = false;
  for (;;) {
    while (residual > options.tolerance && iterations < options.maxIterations) {
      const steps = Math.min(slice, options.maxIterations - iterations, switcher?.stepsToCheck(iterations) ?? Infinity);
      const sliceStarted = now();
      const ran = !indefinite() ? engine.together("pcgIterate", [descriptor, x, r, z, p, q, state, steps, options.tolerance], alone) : 0;
      const elapsed = now() - sliceStarted;
      iterations += ran;
      residual = relativeResidual(arena.f64(state, 3));
      if (indefinite()) {
        // The multigrid cycle gave r.z <= 0 on this system (f32 rounding, or a test's over-correction):
        // go on from x with the plain cycle, and failing that with Jacobi, which cannot break down.
        if (kind === "jacobi") break;
        if (overCorrection !== 1) {
          overCorrection = 1;
          arena.f32(preconditioner + 44, 1)[0] = 1;
        } else {
          kind = "jacobi";
          preconditioner = await setUpPreconditioner(arena, engine, system, pixels, 0, 0, kind, 1, noPause, false, undefined, options.forwardAfterNodes);
          arena.i32(descriptor + 20, 2).set([PRECONDITIONER_CODES.jacobi, preconditioner]);
        }
        residual = start();
        continue;
      }
      if (ran < steps) break; // converged, or the search direction vanished in rounding
      if (switcher?.observe(iterations, residual) && kind === "multigrid" && !indefinite()) {
        const hierarchy = await switcher.setUp(arena, engine, system, overCorrection, iterations, options.signal, preconditioner);
        if (hierarchy !== 0) {
          preconditioner = hierarchy;
          arena.i32(descriptor + 24, 1)[0] = preconditioner;
          residual = start(); // CG again from the current x, now with the smoothed cycle
        }
      }
      slice = nextSlice(slice, elapsed);
      report(iterations, residual);
      await yieldToEventLoop();
      if (options.signal?.aborted) throw abortError(options.signal);
    }
    // CG updates its residual rather than recomputing it, so a threaded product that went wrong would still look
    // converged; with multigrid it updates A p too (from the cycle's A z, assembly/solve.ts), whose rounding could
    // drift the same way. Such an answer is judged by one thread's product; should it fail, the solve
    // goes on from it alone, its residual recomputed, and then stops on CG's own residual, as a plain one-thread
    // solve does (a tolerance below the rounding of |b - Ax|, down to 1e-30, is met by that residual).
    if (alone && (product === 0 || restarted)) break;
    const updated = residual;
    residual = engine.together("pcgResidual", [descriptor, system.rhs, x, q], true);
    if (residual <= options.tolerance || iterations >= options.maxIterations || (alone && updated > options.tolerance)) break;
    alone = true;
    restarted = true;
    residual = start();
  }
  return { solution: x, iterations, residual, converged: residual <= options.tolerance, setupMilliseconds, finishedAlone: alone && !!split, preconditioner,
    switchedAt: switcher?.switchedAt ?? 0 };
}
