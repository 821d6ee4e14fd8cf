// The smoothed-aggregation hierarchy (assembly/smoothed.ts, smoothed-coarse.ts) in the record layout that
// assembly/cycle.ts runs (assembly/aggregation.ts), for one thread: 4x4-pixel cells, then 3x3 groups of
// nodes, every prolongator smoothed, 5x5-node stencils on every level. Header field 13 marks it; level
// field 6 holds each node's nine parents, field 7 the prolongator's nine 4x4 blocks; header fields 8 and 9
// the fine rows' four parents and their 4 x 4 coefficients.
import type { Arena, Engine } from "./engine.js";
import { type PixelBuffers, type StencilSystem, releasePhoto } from "./alpha.js";
import { type Pause, inSlices, within } from "./slices.js";
import type { FirstLevel } from "./smoothed-switch.js";

const HEADER_BYTES = 64;
const LEVEL_BYTES = 64;
const MAX_LEVELS = 16;
const SHARE_UNITS = 1 << 16;
/** Stop coarsening at this many nodes, as the plain hierarchy does (alpha.ts COARSEST_NODES). */
const COARSEST_NODES = 128;
/** The smoothing step's omega / rho(D^-1 A): 4/3 (Vanek, Mandel, Brezina 1996; bench/cf-coarse-prototype.py). */
const OMEGA = 4 / 3;
/** Power iteration steps for rho on the block levels (the fine level's: assembly/smoothed.ts RADIUS_STEPS). */
const RADIUS_STEPS = 6;
const STENCIL = 25;

function zeroDummy(arena: Arena, vector: number, index: number, bytes: number): number {
  arena.u8(vector + index * bytes, bytes).fill(0);
  return vector;
}

/** Bytes of an arena allocation (16-byte aligned, Arena.alloc). */
const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * An upper bound on what setUpSmoothedMultigrid allocates when it starts from the plain hierarchy's first level
 * and reuses its fine vectors (`first` with sums and sweepValues): every allocation below, each level's node
 * count bounded by its cell grid. Where this fits on top of what is in use, the set-up cannot run out of memory.
 */
export function smoothedSetUpBytes(rows: number, first: FirstLevel): number {
  const vectors = (nodes: number) => 7 * aligned((nodes + 1) * 16);
  let { nodes, gw, gh } = first;
  let bytes = aligned(HEADER_BYTES + LEVEL_BYTES * MAX_LEVELS) + aligned(rows * 16) + aligned(rows * 64) + aligned(32) + aligned((9 * 16 + 16) * 8)
    + aligned(nodes * 4) + aligned(nodes * STENCIL * 4) + aligned(nodes * STENCIL * 64) + aligned(nodes * 64) + aligned(rows * 8)
    + 2 * aligned((rows + 1) * 8) + aligned(rows * 9 * 16) + vectors(nodes) + aligned(16 * 16 * 4);
  for (let levels = 1; levels < MAX_LEVELS && nodes > COARSEST_NODES; levels++) {
    const pw = Math.ceil(gw / 3), ph = Math.ceil(gh / 3), parentNodes = Math.min(nodes, pw * ph);
    bytes += aligned(pw * ph * 4) + aligned(parentNodes * 4) + aligned(parentNodes * STENCIL * 4) + aligned(parentNodes * STENCIL * 64)
      + aligned(parentNodes * 128) + aligned(parentNodes * 64) + aligned(nodes * 4) + aligned(nodes * 36) + aligned(nodes * 9 * 64)
      + aligned(nodes * 64) + aligned(parentNodes * 40) + 2 * aligned((nodes + 1) * 16) + vectors(parentNodes);
    nodes = parentNodes;
    gw = pw;
    gh = ph;
  }
  return bytes;
}

/**
 * `first`: the plain hierarchy's first-level cells and tentative basis (same 4x4 cells), else built from the photo;
 * with its `sums` and `sweepValues` (the fine entries in f32, which this set-up writes again), those are reused.
 */
export async function setUpSmoothedMultigrid(
  arena: Arena, engine: Engine, system: StencilSystem, pixels: PixelBuffers | undefined, width: number, height: number,
  overCorrection: number, pause: Pause, first?: FirstLevel,
): Promise<number> {
  const k = engine.kernels;
  const { rows, half } = system;
  if (first) ({ width, height } = first);
  const hierarchy = arena.alloc(HEADER_BYTES + LEVEL_BYTES * MAX_LEVELS);
  const sums = zeroDummy(arena, first?.sums ?? arena.alloc((rows + 1) * 8), rows, 8), residual = sums;
  const rowParents = arena.alloc(rows * 16), rowProlongator = arena.alloc(rows * 64);
  const cycleScratch = arena.alloc(32);
  const temporaries: { offset: number; bytes: number }[] = [];
  const temporary = (bytes: number) => {
    const offset = arena.alloc(bytes);
    temporaries.push({ offset, bytes });
    return offset;
  };
  const levelVectors = (nodes: number) => {
    const levelVector = () => zeroDummy(arena, arena.alloc((nodes + 1) * 16), nodes, 16);
    return [levelVector(), levelVector(), levelVector(), levelVector(), levelVector(), levelVector(), levelVector()];
  };
  const levelArrays = (nodes: number, withNullSpace = true) => ({
    cell: arena.alloc(nodes * 4), neighbours: arena.alloc(nodes * STENCIL * 4), blocks: arena.alloc(nodes * STENCIL * 64),
    nullSpace: withNullSpace ? temporary(nodes * 128) : 0, inverses: arena.alloc(nodes * 64),
  });
  const scratch = temporary((9 * 16 + 16) * 8);

  let gw = first?.gw ?? Math.ceil(width / 4), gh = first?.gh ?? Math.ceil(height / 4);
  let cells = first?.cells ?? temporary(gw * gh * 4);
  let nodes = first?.nodes ?? k.markFirstCells(system.unknownIndex, width, height, cells, gw, gh);
  let level = { ...levelArrays(nodes, !first), ...(first ? { nullSpace: first.nullSpace } : {}) };
  k.nodeTables(cells, gw, gh, nodes, level.cell, level.neighbours, 2);
  // The tentative basis per cell (aggregation.ts, stage 0 of the first level), then the smoothed rows.
  const rowNode = first?.rowNode ?? temporary(rows * 4), rowBasis = first?.rowBasis ?? temporary(rows * 16), rowPlace = temporary(rows * 8);
  if (!first && pixels) {
    const job = arena.alloc(25 * 4);
    arena.i32(job, 25).set([system.unknownIndex, pixels.image, width, height, rows, half, system.columns, system.values, system.diagonal,
      cells, gw, nodes, level.cell, level.blocks, level.nullSpace, rowNode, rowBasis, temporary(k.firstLevelScratchBytes()), 0, 0,
      level.neighbours, 0, 0, SHARE_UNITS, 0]);
    await inSlices(SHARE_UNITS, (from, to) => {
      arena.i32(job + 88, 2).set([from, to]);
      engine.together("buildFirstLevelTogether", [job], true);
    }, within(pause, 0, 0.1));
    releasePhoto(arena, pixels, width, height);
  }
  k.smoothedRowParents(system.unknownIndex, width, height, cells, gw, gh, nodes, rowParents, rowPlace);
  const fineX = arena.alloc((rows + 1) * 8), fineY = arena.alloc((rows + 1) * 8);
  const rho = k.fineSpectralRadius(rows, half, system.columns, system.values, system.diagonal, fineX, fineY);
  await pause(0.2);
  const sweepValues = first?.sweepValues ?? arena.alloc(rows * half * 4);
  k.smoothedFineProlongator(rows, half, system.columns, system.values, system.diagonal, rowBasis, rowPlace, rowProlongator, sweepValues,
    rho > 0 ? OMEGA / rho : 0);
  await pause(0.3);
  const work = arena.alloc(rows * 9 * 16);
  k.smoothedFirstGalerkin(rows, half, system.columns, system.values, system.diagonal, rowParents, rowPlace, rowProlongator, nodes, work,
    level.blocks);
  k.mirrorBlocks(nodes, level.neighbours, level.blocks);
  // The fine level's scratch, the largest of the set-up, is dead now: the coarser levels' arrays take its place.
  for (const [offset, bytes] of [[work, rows * 9 * 16], [fineX, (rows + 1) * 8], [fineY, (rows + 1) * 8]]) arena.recycle(offset, bytes);
  await pause(0.5);

  const records: number[][] = [];
  let vectors = levelVectors(nodes);
  const coarseWork = temporary(16 * 16 * 4);
  while (records.length + 1 < MAX_LEVELS && nodes > COARSEST_NODES) {
    const pw = Math.ceil(gw / 3), ph = Math.ceil(gh / 3);
    const parentCells = temporary(pw * ph * 4);
    const parentNodes = k.markParentCells(level.cell, nodes, gw, parentCells, pw, ph, 3);
    const parentLevel = levelArrays(parentNodes);
    k.nodeTables(parentCells, pw, ph, parentNodes, parentLevel.cell, parentLevel.neighbours, 2);
    const parent = temporary(nodes * 4), parents = arena.alloc(nodes * 36), prolongator = arena.alloc(nodes * 9 * 64);
    const tentative = temporary(nodes * 64), children = temporary(parentNodes * 40);
    k.smoothedParents(nodes, gw, level.cell, parentCells, pw, ph, parentNodes, parent, parents, children);
    k.smoothedCoarseBasis(level.nullSpace, tentative, parentLevel.nullSpace, scratch, children, 0, parentNodes);
    k.finishLevel(0, nodes, level.blocks, level.inverses, scratch, STENCIL);
    const x = temporary((nodes + 1) * 16), y = temporary((nodes + 1) * 16);
    const levelRho = k.blockSpectralRadius(nodes, level.neighbours, level.blocks, x, y, RADIUS_STEPS);
    k.smoothedCoarseProlongator(nodes, gw, level.cell, level.neighbours, level.blocks, tentative, prolongator,
      levelRho > 0 ? OMEGA / levelRho : 0, 0, nodes);
    arena.u8(parentLevel.blocks, parentNodes * STENCIL * 64).fill(0);
    const building = level;
    await inSlices(nodes, (first, end) => k.smoothedCoarseGalerkin(nodes, gw, building.cell, building.neighbours, building.blocks, parents,
      prolongator, parentCells, pw, ph, parentNodes, parentLevel.blocks, coarseWork, first, end), within(pause, 0.5, 0.9));
    k.mirrorBlocks(parentNodes, parentLevel.neighbours, parentLevel.blocks);
    const parentVectors = levelVectors(parentNodes);
    records.push([nodes, level.neighbours, level.blocks, vectors[0], vectors[1], vectors[2], parents, prolongator, level.cell, level.inverses,
      vectors[3], vectors[4], vectors[5], vectors[6], 0, 0]);
    vectors = parentVectors;
    level = parentLevel;
    nodes = parentNodes;
    cells = parentCells;
    gw = pw;
    gh = ph;
  }
  k.finishLevel(0, nodes, level.blocks, level.inverses, scratch, STENCIL);
  await pause(1);
  for (const dead of temporaries) arena.recycle(dead.offset, dead.bytes);
  records.push([nodes, level.neighbours, level.blocks, vectors[0], vectors[1], vectors[2], 0, 0, level.cell, level.inverses,
    vectors[3], vectors[4], vectors[5], vectors[6], 0, 0]);
  arena.i32(hierarchy, 11).set([records.length, rows, half, system.columns, system.values, system.diagonal, sums, residual,
    rowParents, rowProlongator, cycleScratch]);
  arena.f32(hierarchy + 44, 1)[0] = overCorrection;
  // field 14: every level's sweeps a symmetric pair (cycle.ts); 15: the plain set-up's regular rows, if any (fine-regular.ts)
  arena.i32(hierarchy + 48, 4).set([sweepValues, 1, 0x7fffffff, first?.regularFlags ?? 0]);
  records.forEach((fields, i) => arena.i32(hierarchy + HEADER_BYTES + i * LEVEL_BYTES, fields.length).set(fields));
  return hierarchy;
}
