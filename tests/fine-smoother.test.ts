// The multigrid preconditioner's fine-level smoothing (assembly/fine.ts): a forward Gauss-Seidel sweep from zero
// before the coarse correction, a backward sweep after it, both on the f32 copy of the entries, each thread on its own
// rows and seeing the other threads' rows as they were before the sweep. The kernels sum in orders of their own, to
// shorten their dependency chains. With the coarse correction scaled by 0
// (header field 11) one application of the preconditioner is exactly that pair of sweeps, which the plain reference
// below does row by row from the full matrix. Checked at both radii multigrid takes (1 and 2), on the SIMD build, its
// scalar twin and the threads build with 1 to 4 threads, on a scene with holes in the unknown region (missing
// neighbours) and on a band. At radius 1 the rows whose neighbours are all unknown take a path of their own
// (assembly/fine-regular.ts): the band's rows mostly, the holes' a few (counted in the product's test below).
// On threads, two shortcuts that rest on where the split's bands end are checked as well: the fine rows near the next
// thread's (from the split's far rows) and the block levels' inner nodes (read with no test of where a neighbour lies).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystem, loadPixels, solveSystem, solverRecord } from "../dist/alpha.js";
import type { Arena, Engine } from "../dist/engine.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { enginesOfEveryBuild, random } from "./helpers.js";
import { bandTrimap, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

/**
 * Byte offsets in the hierarchy's header (assembly/aggregation.ts): the coarse correction's scale, the f32 entries,
 * the regular rows' flags (0: the kernels tell regular rows from their columns, as after a smoothed set-up of its own).
 */
const OVER_CORRECTION_OFFSET = 44;
const SWEEP_VALUES_OFFSET = 48;
const REGULAR_FLAGS_OFFSET = 60;
/** Small enough that every thread count splits the scenes' unknowns (src/split.ts). */
const MIN_ROWS = 256;

let engines = new Map<string, Engine>();
beforeAll(async () => {
  engines = await enginesOfEveryBuild([1, 2, 3, 4]);
});
afterAll(() => engines.forEach((engine) => engine.close()));

const width = 96, height = 80;
const scenes = {
  holes: { image: noiseImage(width, height, 5), trimap: randomTrimap(width, height, 6, 0.8) },
  band: { image: smoothImage(width, height, 41), trimap: bandTrimap(width, height, 12, 84) },
};

interface Matrix { rows: number; half: number; columns: Int32Array; values: Float32Array; diagonal: Float64Array; ranges: number[] }

/**
 * The pair of sweeps, row by row. Pre: on each thread's rows [lo, hi), from the first to the last,
 * x_i = (b_i - sum_{lo<=j<i} a_ij x_j) / a_ii (the other threads' rows are 0). Post: from the last to the first,
 * x_i = (b_i - sum_{j != i} a_ij y_j) / a_ii with y_j the new x_j for i < j < hi, and x_j from before the sweep elsewhere.
 */
function referencePair(m: Matrix, b: Float64Array): Float64Array {
  const neighbours: [number, number][][] = Array.from({ length: m.rows }, () => []);
  for (let i = 0; i < m.rows; i++) {
    for (let s = 0; s < m.half; s++) {
      const j = m.columns[i * m.half + s];
      if (j === m.rows) continue;
      neighbours[i].push([j, m.values[i * m.half + s]]);
      neighbours[j].push([i, m.values[i * m.half + s]]);
    }
  }
  const x = new Float64Array(m.rows);
  for (let t = 0; t + 1 < m.ranges.length; t++) {
    const [lo, hi] = [m.ranges[t], m.ranges[t + 1]];
    for (let i = lo; i < hi; i++) {
      let sum = 0;
      for (const [j, a] of neighbours[i]) if (j >= lo && j < i) sum += a * x[j];
      x[i] = (b[i] - sum) / m.diagonal[i];
    }
  }
  const before = x.slice();
  for (let t = 0; t + 1 < m.ranges.length; t++) {
    const hi = m.ranges[t + 1];
    for (let i = hi - 1; i >= m.ranges[t]; i--) {
      let sum = 0;
      for (const [j, a] of neighbours[i]) sum += a * (j > i && j < hi ? x[j] : before[j]);
      x[i] = (b[i] - sum) / m.diagonal[i];
    }
  }
  return x;
}

/**
 * A scene's system and its multigrid hierarchy (set up, no iterations), a CG descriptor for them (with a vector for
 * the cycle's A z where `product`; the regular rows told from their columns where `fromColumns`; where `farFromBound`,
 * without the split's far rows, so that the kernels take the rows within crossLength of the next thread's as near
 * ones) and a zeroed-vector maker.
 */
async function prepare(
  engine: Engine, arena: Arena, scene: keyof typeof scenes, radius: number, fromColumns = false, product = false, farFromBound = false,
) {
  const { image, trimap } = scenes[scene];
  const checked = checkImage(image);
  const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
  const system = await buildSystem(arena, engine, pixels, width, height, radius, 1e-7, MIN_ROWS);
  const { rows, half, split } = system;
  // Multigrid at the radii it takes; wider stencils (the near rows' checks) with Jacobi, as the solver runs them.
  const kind = radius <= 2 ? "multigrid" as const : "jacobi" as const;
  const options = { epsilon: 1e-7, radius, tolerance: 1e-7, maxIterations: 0, preconditioner: kind };
  const { preconditioner } = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
  if (fromColumns) arena.i32(preconditioner + REGULAR_FLAGS_OFFSET, 1)[0] = 0;
  const vector = () => { const at = arena.alloc((rows + 1) * 8); arena.f64(at, rows + 1).fill(0); return at; };
  const descriptor = solverRecord(arena, system, kind, preconditioner, product ? vector() : 0, farFromBound ? 0 : undefined);
  return { system, rows, half, split, preconditioner, descriptor, vector };
}

/** Every entry of `actual` within `relative` of `expected`'s largest magnitude (which is not 0). */
function expectClose(actual: Float64Array, expected: Float64Array, relative: number): void {
  let scale = 0, worst = 0;
  expected.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - actual[i]));
  });
  expect(scale).toBeGreaterThan(0);
  expect(worst).toBeLessThanOrEqual(relative * scale);
}

/** Every build and thread count, both radii multigrid takes, both scenes, the regular rows flagged or told from their columns. */
const everyWay = ["release", "scalar", "threads 1", "threads 2", "threads 3", "threads 4"]
  .flatMap((build) => [1, 2].flatMap((radius) => (["holes", "band"] as const).flatMap((scene) =>
    [false, true].map((fromColumns) => ({ build, radius, scene, fromColumns, flags: fromColumns ? "regular rows from their columns" : "the set-up's flags" })))));

/** One application of the preconditioner, its coarse correction scaled by 0, to a random right-hand side. */
async function smooth(engine: Engine, scene: keyof typeof scenes, radius: number, fromColumns = false, farFromBound = false) {
  return engine.run(async (arena) => {
    const { system, rows, half, split, preconditioner, descriptor, vector } = await prepare(engine, arena, scene, radius, fromColumns, false, farFromBound);
    arena.f32(preconditioner + OVER_CORRECTION_OFFSET, 1)[0] = 0;
    const [b, x, r, z, p] = [vector(), vector(), vector(), vector(), vector()];
    const next = random(radius * 100 + rows);
    const rhs = Float64Array.from({ length: rows }, () => next() * 2 - 1);
    arena.f64(b, rows).set(rhs);
    engine.together("pcgStart", [descriptor, b, x, r, z, p, arena.alloc(40)]);
    const matrix: Matrix = {
      rows, half, columns: arena.i32(system.columns, rows * half).slice(),
      values: arena.f32(arena.i32(preconditioner + SWEEP_VALUES_OFFSET, 1)[0], rows * half).slice(),
      diagonal: arena.f64(system.diagonal, rows).slice(),
      ranges: split ? Array.from(arena.i32(split.rowRanges, split.bandStarts.length + 1)) : [0, rows],
    };
    return { threads: split?.bandStarts.length ?? 1, z: arena.f64(z, rows).slice(), expected: referencePair(matrix, rhs) };
  });
}

describe("the fine smoothing pair: forward from zero, then backward", () => {

  it.each(everyWay)("$build, radius $radius, $scene, $flags: the plain row-by-row sweeps' answer", async ({ build, radius, scene, fromColumns }) => {
    const engine = engines.get(build)!;
    const { threads, z, expected } = await smooth(engine, scene, radius, fromColumns);
    expect(threads).toBe(engine.threads);
    expectClose(z, expected, 1e-12);
  });
});

/**
 * Radius-1 rows whose 12 upper neighbours are all unknown take a SIMD path of their own in the sweeps and the
 * product (assembly/fine-regular.ts): the count of such rows, so that each scene is known to reach both paths.
 */
function regularRows(rows: number, half: number, columns: Int32Array): number {
  let count = 0;
  for (let i = 0; i < rows; i++) count += columns.subarray(i * half, (i + 1) * half).every((j) => j < rows) ? 1 : 0;
  return count;
}

/** y = A x by the outer CG's product (pcgStart with b = 0 and x random gives r = -A x), against a plain product. */
async function product(engine: Engine, scene: keyof typeof scenes, radius: number, fromColumns = false, farFromBound = false) {
  return engine.run(async (arena) => {
    const { system, rows, half, split, descriptor, vector } = await prepare(engine, arena, scene, radius, fromColumns, false, farFromBound);
    const [b, x, r, z, p] = [vector(), vector(), vector(), vector(), vector()];
    const next = random(radius * 300 + rows);
    const xs = Float64Array.from({ length: rows }, () => next() * 2 - 1);
    arena.f64(x, rows).set(xs);
    engine.together("pcgStart", [descriptor, b, x, r, z, p, arena.alloc(40)]);
    const columns = arena.i32(system.columns, rows * half).slice(), values = arena.f64(system.values, rows * half).slice();
    const expected = Float64Array.from(arena.f64(system.diagonal, rows), (d, i) => d * xs[i]);
    for (let i = 0; i < rows; i++) {
      for (let s = 0; s < half; s++) {
        const j = columns[i * half + s];
        if (j === rows) continue;
        expected[i] += values[i * half + s] * xs[j];
        expected[j] += values[i * half + s] * xs[i];
      }
    }
    return { threads: split?.bandStarts.length ?? 1, y: arena.f64(r, rows).map((v) => -v), expected, rows, regular: regularRows(rows, half, columns) };
  });
}

describe("the outer CG's product", () => {

  it.each(everyWay)("$build, radius $radius, $scene, $flags: a plain product's answer", async ({ build, radius, scene, fromColumns }) => {
    const engine = engines.get(build)!;
    const { threads, y, expected, rows, regular } = await product(engine, scene, radius, fromColumns);
    expect(threads).toBe(engine.threads);
    if (radius === 1) {
      // The band's rows are mostly regular, the holes' mostly not: both paths are taken.
      if (scene === "band") expect(regular).toBeGreaterThan(0.8 * rows);
      else expect(regular).toBeGreaterThan(0);
      expect(regular).toBeLessThan(rows);
    }
    expectClose(y, expected, 1e-12);
  });
});

/**
 * With multigrid, CG takes A p from the cycle's last sweep (A z, then A z + beta A p_old: assembly/solve.ts) instead of
 * a product of its own; threads add the rows near the next thread's after a barrier. Eight steps that way against
 * eight with products (the descriptor's field 11 at 0), on every build and thread count, at both radii multigrid takes.
 */
async function cgSteps(engine: Engine, scene: keyof typeof scenes, radius: number, fused: boolean, steps: number) {
  return engine.run(async (arena) => {
    const { system, rows, descriptor, vector } = await prepare(engine, arena, scene, radius, false, fused);
    const [x, r, z, p, q] = [vector(), vector(), vector(), vector(), vector()];
    const state = arena.alloc(40);
    engine.together("pcgStart", [descriptor, system.rhs, x, r, z, p, state]);
    const ran = engine.together("pcgIterate", [descriptor, x, r, z, p, q, state, steps, 0]);
    return { ran, x: arena.f64(x, rows).slice(), productKnown: arena.f64(state + 32, 1)[0] };
  });
}

describe("CG's A p from the cycle", () => {
  const cases = ["release", "scalar", "threads 1", "threads 2", "threads 3", "threads 4"]
    .flatMap((build) => [1, 2].flatMap((radius) => (["holes", "band"] as const).map((scene) => ({ build, radius, scene }))));

  it.each(cases)("$build, radius $radius, $scene: eight steps as with a product each", async ({ build, radius, scene }) => {
    const engine = engines.get(build)!;
    const plain = await cgSteps(engine, scene, radius, false, 8);
    const fused = await cgSteps(engine, scene, radius, true, 8);
    expect(plain.ran).toBe(8);
    expect(fused.ran).toBe(8);
    expect(plain.productKnown).toBe(0);
    expect(fused.productKnown).toBe(1);
    expectClose(fused.x, plain.x, 1e-9);
  });
});

/**
 * A thread's rows that may scatter into the next thread's take the near path (cross buffers, ghost copies, and for the
 * fused product a pass after a barrier). They start at the split's far row, the first of the thread's rows on its
 * band's last 2r image rows (src/split.ts), or, without it, crossLength rows before the band's end. Checked: every row
 * before the far row has its upper neighbours in its own band (the far row is safe), the far rows are later than the
 * bound (the point of them) on the band scene, and the sweeps and the product give the plain answers either way. Radii
 * 3 and 4 (Jacobi: the product alone) as well, whose reach of 2r image rows the far rows follow.
 */
describe("the rows near the next thread's", () => {
  const cases = ["threads 2", "threads 3", "threads 4"]
    .flatMap((build) => [1, 2, 3, 4].flatMap((radius) => (["holes", "band"] as const).map((scene) => ({ build, radius, scene }))));

  it.each(cases)("$build, radius $radius, $scene: the split's far rows are safe and later than the bound", async ({ build, radius, scene }) => {
    const engine = engines.get(build)!;
    const found = await engine.run(async (arena) => {
      const { system, rows, half, split } = await prepare(engine, arena, scene, radius);
      const threads = split!.bandStarts.length;
      return {
        threads, rows, half, crossLength: split!.crossLength, columns: arena.i32(system.columns, rows * half).slice(),
        ranges: Array.from(arena.i32(split!.rowRanges, threads + 1)), far: Array.from(arena.i32(split!.farRows, threads)),
      };
    });
    expect(found.threads).toBe(engine.threads);
    for (let t = 0; t < found.threads; t++) {
      const [lo, hi] = [found.ranges[t], found.ranges[t + 1]];
      if (t + 1 === found.threads) {
        expect(found.far[t]).toBe(found.rows);
        continue;
      }
      expect(found.far[t]).toBeLessThanOrEqual(hi);
      for (let i = lo; i < found.far[t]; i++) {
        for (let s = 0; s < found.half; s++) {
          const j = found.columns[i * found.half + s];
          if (j !== found.rows) expect(j, `row ${i}, thread ${t}`).toBeLessThan(hi);
        }
      }
      // The last row before the far one is as late as it can be: a row on the band's last 2r image rows reaches past hi
      // unless its neighbours there are known; on the band scene every thread's far row is past the bound.
      if (scene === "band" && hi > lo) expect(found.far[t]).toBeGreaterThan(hi - found.crossLength);
    }
  });

  it.each(cases)("$build, radius $radius, $scene: the sweeps' and the product's plain answers with the bound alone", async ({ build, radius, scene }) => {
    const engine = engines.get(build)!;
    if (radius <= 2) {
      const swept = await smooth(engine, scene, radius, false, true);
      expectClose(swept.z, swept.expected, 1e-12);
    }
    const multiplied = await product(engine, scene, radius, false, true);
    expectClose(multiplied.y, multiplied.expected, 1e-12);
    if (radius > 2) {
      // At radius 1 and 2 the product's test above runs with the far rows; here, for the wider stencils.
      const withFarRows = await product(engine, scene, radius);
      expect(withFarRows.threads).toBe(engine.threads);
      expectClose(withFarRows.y, withFarRows.expected, 1e-12);
    }
  });
});

/** Byte offsets of the hierarchy's level records (assembly/aggregation.ts) and the fields read here. */
const HEADER_BYTES = 64, LEVEL_BYTES = 64, NEIGHBOURS = 9;

/**
 * On the block levels split between the threads, each thread's inner nodes (not on its band's first or last row of
 * cells: src/split.ts nodeRanges) are swept with every neighbour read from x, with no test of where it lies. Checked:
 * every inner node's 3x3 neighbours are the thread's own nodes (or none), every node from the range's start on has
 * its earlier neighbours there (a sweep from zero reads only those), and one application of the whole preconditioner
 * (pcgStart from x = 0: z = M b) is the same to the bit as with every inner range emptied (both ends at the thread's
 * last node), which sends every node down the tested path.
 */
async function applyPreconditioner(engine: Engine, scene: keyof typeof scenes, radius: number, emptyInner: boolean) {
  return engine.run(async (arena) => {
    const { rows, split, preconditioner, descriptor, vector } = await prepare(engine, arena, scene, radius);
    const threads = split?.bandStarts.length ?? 1;
    const levels = arena.i32(preconditioner, 1)[0];
    const split_: { nodes: number; neighbours: Int32Array; ranges: number[]; inner: number[] }[] = [];
    for (let l = 0; l < levels; l++) {
      const record = arena.i32(preconditioner + HEADER_BYTES + l * LEVEL_BYTES, 16);
      if (record[14] === 0 || threads === 1) continue;
      const all = arena.i32(record[14], 3 * threads + 1);
      if (emptyInner) for (let t = 0; t < threads; t++) all.set([all[t + 1], all[t + 1]], threads + 1 + 2 * t);
      split_.push({ nodes: record[0], neighbours: arena.i32(record[1], record[0] * NEIGHBOURS).slice(), ranges: Array.from(all.subarray(0, threads + 1)),
        inner: Array.from(all.subarray(threads + 1)) });
    }
    const [b, x, r, z, p] = [vector(), vector(), vector(), vector(), vector()];
    const next = random(radius * 500 + rows);
    arena.f64(b, rows).set(Float64Array.from({ length: rows }, () => next() * 2 - 1));
    engine.together("pcgStart", [descriptor, b, x, r, z, p, arena.alloc(40)]);
    return { threads, levels: split_, z: arena.f64(z, rows).slice() };
  });
}

describe("the block levels' inner nodes on threads", () => {
  const cases = ["threads 2", "threads 3", "threads 4"]
    .flatMap((build) => [1, 2].flatMap((radius) => (["holes", "band"] as const).map((scene) => ({ build, radius, scene }))));

  it.each(cases)("$build, radius $radius, $scene: own neighbours only, and the tested path's bits", async ({ build, radius, scene }) => {
    const engine = engines.get(build)!;
    const built = await applyPreconditioner(engine, scene, radius, false);
    const emptied = await applyPreconditioner(engine, scene, radius, true);
    expect(built.threads).toBe(engine.threads);
    let innerNodes = 0;
    for (const level of built.levels) {
      for (let t = 0; t < built.threads; t++) {
        const [lo, hi] = [level.ranges[t], level.ranges[t + 1]];
        const [innerLo, innerHi] = [level.inner[2 * t], level.inner[2 * t + 1]];
        expect(innerLo).toBeGreaterThanOrEqual(lo);
        expect(innerHi).toBeLessThanOrEqual(hi);
        for (let n = innerLo; n < hi; n++) {
          for (let s = 0; s < NEIGHBOURS >> 1; s++) {
            const m = level.neighbours[n * NEIGHBOURS + s];
            if (m !== level.nodes) expect(m >= lo, `node ${n} of thread ${t}, earlier slot ${s}: ${m} before ${lo}`).toBe(true);
          }
        }
        for (let n = innerLo; n < innerHi; n++) {
          innerNodes++;
          for (let s = 0; s < NEIGHBOURS; s++) {
            const m = level.neighbours[n * NEIGHBOURS + s];
            if (m !== level.nodes) expect(m >= lo && m < hi, `node ${n} of thread ${t}, slot ${s}: ${m} outside [${lo}, ${hi})`).toBe(true);
          }
        }
      }
    }
    if (scene === "band") expect(innerNodes).toBeGreaterThan(0);
    expect(built.z).toEqual(emptied.z);
  });
});
