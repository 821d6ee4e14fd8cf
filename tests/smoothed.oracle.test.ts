// Smoothed aggregation's set-up (assembly/smoothed.ts, smoothed-coarse.ts, src/smoothed.ts) against plain
// references built here from the fine system: the first level's tentative basis (the orthonormalised {1, R, G, B}
// of each 4x4 cell's unknowns) and its smoothed prolongator P = T - w D^-1 A T; the next level's from the first
// level's near-null space; every coarse operator against the Galerkin product P^T A P computed row by row from the
// package's own finer operator and prolongator; the coarse operators symmetric and positive semi-definite; and the
// solve's answer against the plain hierarchy's. On the SIMD build, its scalar twin and the threads build on one
// thread (the one-thread path the engine takes there too).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import type { Engine } from "../dist/engine.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { enginesOfEveryBuild } from "./helpers.js";
import { bandTrimap, type Image8, randomTrimap, smoothImage, noiseImage, unitRgb } from "./synthetic.js";

const HEADER_BYTES = 64, LEVEL_BYTES = 64, STENCIL = 25, DEPENDENT = 1e-3;

let engines = new Map<string, Engine>();
beforeAll(async () => {
  engines = await enginesOfEveryBuild([1]);
});
afterAll(() => engines.forEach((engine) => engine.close()));

const width = 96, height = 80;
const scenes: Record<string, { image: Image8; trimap: Image8 }> = {
  band: { image: smoothImage(width, height, 41), trimap: bandTrimap(width, height, 10, 86) },
  holes: { image: noiseImage(width, height, 5), trimap: randomTrimap(width, height, 6, 0.85) },
};

/** Sparse rows: column -> value. */
type Rows = Map<number, number>[];

interface Level {
  nodes: number; neighbours: Int32Array; blocks: Float32Array; cell: Int32Array; parents?: Int32Array; prolongator?: Float32Array;
}

interface Hierarchy {
  rows: number; unknownIndex: Int32Array; fine: Rows; rowParents: Int32Array; rowProlongator: Float32Array; levels: Level[]; smoothedFlag: number;
}

/** The set-up as the engine builds it for one thread (maxIterations 0: one application of the preconditioner). */
async function setUp(engine: Engine, scene: string): Promise<Hierarchy> {
  const { image, trimap } = scenes[scene];
  return engine.run(async (arena) => {
    const checked = checkImage(image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
    const system = await buildSystem(arena, engine, pixels, width, height, 1, 1e-7);
    const { rows, half } = system;
    const options = { epsilon: 1e-7, radius: 1, tolerance: 1e-7, maxIterations: 0, preconditioner: "multigrid" as const, smoothedAggregation: true };
    const { preconditioner: h } = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
    const header = arena.i32(h, 14).slice();
    const columns = arena.i32(system.columns, rows * half), values = arena.f64(system.values, rows * half), diagonal = arena.f64(system.diagonal, rows);
    const fine: Rows = Array.from({ length: rows }, (_, u) => new Map([[u, diagonal[u]]]));
    for (let u = 0; u < rows; u++) {
      for (let s = 0; s < half; s++) {
        const v = columns[u * half + s];
        if (v === rows) continue;
        fine[u].set(v, values[u * half + s]);
        fine[v].set(u, values[u * half + s]);
      }
    }
    const levels: Level[] = [];
    for (let l = 0; l < header[0]; l++) {
      const f = arena.i32(h + HEADER_BYTES + l * LEVEL_BYTES, 16).slice();
      const nodes = f[0];
      const level: Level = {
        nodes, neighbours: arena.i32(f[1], nodes * STENCIL).slice(), blocks: arena.f32(f[2], nodes * STENCIL * 16).slice(),
        cell: arena.i32(f[8], nodes).slice(),
      };
      if (l + 1 < header[0]) {
        level.parents = arena.i32(f[6], nodes * 9).slice();
        level.prolongator = arena.f32(f[7], nodes * 9 * 16).slice();
      }
      levels.push(level);
    }
    return {
      rows, unknownIndex: arena.i32(system.unknownIndex, width * height).slice(), fine, levels, smoothedFlag: header[13],
      rowParents: arena.i32(header[8], rows * 4).slice(), rowProlongator: arena.f32(header[9], rows * 16).slice(),
    };
  });
}

/** A level's operator as sparse rows over its 4 unknowns per node, from its column-major 4x4 blocks. */
function levelRows(level: Level): Rows {
  const rows: Rows = Array.from({ length: level.nodes * 4 }, () => new Map());
  for (let n = 0; n < level.nodes; n++) {
    for (let s = 0; s < STENCIL; s++) {
      const m = level.neighbours[n * STENCIL + s];
      if (m === level.nodes) continue;
      for (let k = 0; k < 4; k++) for (let l = 0; l < 4; l++) rows[4 * n + k].set(4 * m + l, level.blocks[(n * STENCIL + s) * 16 + l * 4 + k]);
    }
  }
  return rows;
}

/** A block level's prolongator rows (node n's unknown k: parent q's unknown c). */
function coarseProlongatorRows(level: Level, parentNodes: number): Rows {
  const rows: Rows = Array.from({ length: level.nodes * 4 }, () => new Map());
  for (let n = 0; n < level.nodes; n++) {
    for (let i = 0; i < 9; i++) {
      const q = level.parents![n * 9 + i];
      if (q === parentNodes) continue;
      for (let k = 0; k < 4; k++) for (let c = 0; c < 4; c++) rows[4 * n + k].set(4 * q + c, level.prolongator![(n * 9 + i) * 16 + k * 4 + c]);
    }
  }
  return rows;
}

function fineProlongatorRows(h: Hierarchy): Rows {
  const nodes = h.levels[0].nodes;
  return Array.from({ length: h.rows }, (_, u) => {
    const row = new Map<number, number>();
    for (let i = 0; i < 4; i++) {
      const q = h.rowParents[u * 4 + i];
      if (q !== nodes) for (let c = 0; c < 4; c++) row.set(4 * q + c, h.rowProlongator[(u * 4 + i) * 4 + c]);
    }
    return row;
  });
}

/** P^T A P, row by row. */
function galerkin(a: Rows, p: Rows, coarse: number): Rows {
  const result: Rows = Array.from({ length: coarse }, () => new Map());
  a.forEach((row, u) => {
    const ap = new Map<number, number>();
    row.forEach((value, v) => p[v].forEach((pv, d) => ap.set(d, (ap.get(d) ?? 0) + value * pv)));
    p[u].forEach((pu, c) => ap.forEach((apd, d) => result[c].set(d, (result[c].get(d) ?? 0) + pu * apd)));
  });
  return result;
}

/** Largest |x - y| over the union of both patterns, and the largest |x|. */
function compare(actual: Rows, expected: Rows): { worst: number; scale: number } {
  let worst = 0, scale = 0;
  expected.forEach((row, i) => {
    row.forEach((value, j) => {
      scale = Math.max(scale, Math.abs(value));
      worst = Math.max(worst, Math.abs(value - (actual[i].get(j) ?? 0)));
    });
    actual[i].forEach((value, j) => { if (!row.has(j)) worst = Math.max(worst, Math.abs(value)); });
  });
  return { worst, scale };
}

/** Modified Gram-Schmidt on the columns of v (rows x 4), dropping dependent ones, as aggregation.ts orthonormalise. Returns R. */
function orthonormalise(v: number[][]): number[][] {
  const r = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  for (let c = 0; c < 4; c++) {
    const original = Math.sqrt(v.reduce((sum, row) => sum + row[c] ** 2, 0));
    for (let j = 0; j < c; j++) {
      const d = v.reduce((sum, row) => sum + row[j] * row[c], 0);
      r[j][c] = d;
      v.forEach((row) => { row[c] -= d * row[j]; });
    }
    const norm = Math.sqrt(v.reduce((sum, row) => sum + row[c] ** 2, 0));
    const keep = norm > DEPENDENT * original && norm > 1e-12;
    r[c][c] = keep ? norm : 0;
    v.forEach((row) => { row[c] = keep ? row[c] / norm : 0; });
  }
  return r;
}

/**
 * The tentative prolongators: the first level's from the colours of each 4x4 cell's unknowns (nodes numbered by
 * cell in raster order), the next level's from the first level's near-null space over 3x3 groups of its cells.
 */
function tentatives(h: Hierarchy, image: Image8): { first: Rows; second: Rows } {
  const rgb = unitRgb(image.data, 3);
  const gw = Math.ceil(width / 4), gh = Math.ceil(height / 4);
  const members: number[][][] = Array.from({ length: gw * gh }, () => []);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = h.unknownIndex[y * width + x];
      if (u >= 0) members[(y >> 2) * gw + (x >> 2)].push([u, x, y]);
    }
  }
  const first: Rows = Array.from({ length: h.rows }, () => new Map());
  const nullSpace: number[][][] = [];
  members.filter((list) => list.length > 0).forEach((list, n) => {
    const v = list.map(([, x, y]) => [1, ...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)]);
    nullSpace.push(orthonormalise(v));
    list.forEach(([u], i) => v[i].forEach((value, c) => first[u].set(4 * n + c, value)));
  });
  const level = h.levels[0];
  const cgw = gw, pw = Math.ceil(gw / 3);
  const groups = new Map<number, number[]>();
  for (let n = 0; n < level.nodes; n++) {
    const c = level.cell[n];
    const key = Math.floor(Math.floor(c / cgw) / 3) * pw + Math.floor((c % cgw) / 3);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  const second: Rows = Array.from({ length: level.nodes * 4 }, () => new Map());
  [...groups.keys()].sort((a, b) => a - b).forEach((key, q) => {
    const children = groups.get(key)!;
    const v = children.flatMap((n) => nullSpace[n].map((row) => [...row]));
    orthonormalise(v);
    children.forEach((n, i) => { for (let k = 0; k < 4; k++) for (let c = 0; c < 4; c++) second[4 * n + k].set(4 * q + c, v[4 * i + k][c]); });
  });
  return { first, second };
}

/** P against T - w D^-1 A T with w fitted by least squares: the relative misfit and w. */
function smoothingFit(p: Rows, t: Rows, a: Rows): { misfit: number; w: number } {
  const at = galerkinLeft(a, t);
  const step: Rows = at.map((row, u) => {
    const d = a[u].get(u)!;
    return new Map([...row].map(([c, value]) => [c, d > 0 ? value / d : 0]));
  });
  // P - T = -w step
  let num = 0, den = 0;
  step.forEach((row, u) => row.forEach((value, c) => {
    num += value * ((t[u].get(c) ?? 0) - (p[u].get(c) ?? 0));
    den += value * value;
  }));
  const w = num / den;
  let misfit = 0, scale = 0;
  p.forEach((row, u) => {
    const columns = new Set([...row.keys(), ...t[u].keys(), ...step[u].keys()]);
    columns.forEach((c) => {
      const expected = (t[u].get(c) ?? 0) - w * (step[u].get(c) ?? 0);
      misfit = Math.max(misfit, Math.abs((row.get(c) ?? 0) - expected));
      scale = Math.max(scale, Math.abs(expected));
    });
  });
  return { misfit: misfit / scale, w };
}

/**
 * (4/3) / rho(D^-1 A) as the set-up estimates it: `steps` power steps from the same pseudo-random start (xorshift32
 * from 0x9e3779b9, (state >> 8) / 2^24 - 0.5 per unknown; assembly/smoothed.ts fineSpectralRadius).
 */
function expectedWeight(a: Rows, steps: number): number {
  let seed = 0x9e3779b9;
  let x = a.map(() => {
    seed = (seed ^ (seed << 13)) >>> 0;
    seed = (seed ^ (seed >>> 17)) >>> 0;
    seed = (seed ^ (seed << 5)) >>> 0;
    return (seed >>> 8) / (1 << 24) - 0.5;
  });
  let estimate = 0;
  for (let k = 0; k < steps; k++) {
    const y = a.map((row, u) => {
      let sum = 0;
      row.forEach((value, v) => { sum += value * x[v]; });
      const d = row.get(u) ?? 0;
      return d > 0 ? sum / d : 0;
    });
    const norm = Math.hypot(...y);
    estimate = norm / Math.hypot(...x);
    x = y.map((v) => v / norm);
  }
  return 4 / 3 / estimate;
}

/** A T, row by row. */
function galerkinLeft(a: Rows, t: Rows): Rows {
  return a.map((row) => {
    const out = new Map<number, number>();
    row.forEach((value, v) => t[v].forEach((tv, c) => out.set(c, (out.get(c) ?? 0) + value * tv)));
    return out;
  });
}

/** Cholesky of the dense matrix plus shift I: false when a pivot is not positive. */
function positiveDefinite(a: Rows, shift: number): boolean {
  const n = a.length;
  const l = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    a[i].forEach((value, j) => { row[j] = value; });
    row[i] += shift;
    return row;
  });
  for (let j = 0; j < n; j++) {
    let d = l[j][j];
    for (let k = 0; k < j; k++) d -= l[j][k] ** 2;
    if (!(d > 0)) return false;
    const root = Math.sqrt(d);
    l[j][j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = l[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / root;
    }
  }
  return true;
}

const cases = ["release", "scalar", "threads 1"].flatMap((build) => Object.keys(scenes).map((scene) => ({ build, scene })));

describe("smoothed aggregation's set-up against plain references", () => {
  const built = new Map<string, Hierarchy>();
  const hierarchyOf = async (build: string, scene: string) => {
    const key = `${build} ${scene}`;
    if (!built.has(key)) built.set(key, await setUp(engines.get(build)!, scene));
    return built.get(key)!;
  };

  it.each(cases)("$build, $scene: two levels or more, marked smoothed", async ({ build, scene }) => {
    const h = await hierarchyOf(build, scene);
    expect(h.smoothedFlag).toBe(1);
    expect(h.levels.length).toBeGreaterThanOrEqual(2);
    expect(h.levels[0].nodes).toBeGreaterThan(128);
  });

  it.each(cases)("$build, $scene: the prolongators are T - w D^-1 A T with the plain tentative T", async ({ build, scene }) => {
    const h = await hierarchyOf(build, scene);
    const { first, second } = tentatives(h, scenes[scene].image);
    const fine = smoothingFit(fineProlongatorRows(h), first, h.fine);
    expect(fine.misfit).toBeLessThanOrEqual(1e-5);
    // w = (4/3) / rho(D^-1 A), rho from RADIUS_STEPS power steps (assembly/smoothed.ts, src/smoothed.ts).
    const fineWeight = expectedWeight(h.fine, 6);
    expect(Math.abs(fine.w - fineWeight)).toBeLessThanOrEqual(1e-5 * fineWeight);
    const a0 = levelRows(h.levels[0]);
    const coarse = smoothingFit(coarseProlongatorRows(h.levels[0], h.levels[1].nodes), second, a0);
    expect(coarse.misfit).toBeLessThanOrEqual(1e-4);
    const coarseWeight = expectedWeight(a0, 6);
    expect(Math.abs(coarse.w - coarseWeight)).toBeLessThanOrEqual(1e-3 * coarseWeight);
  });

  it.each(cases)("$build, $scene: every coarse operator is P^T A P of the level above", async ({ build, scene }) => {
    const h = await hierarchyOf(build, scene);
    const first = compare(levelRows(h.levels[0]), galerkin(h.fine, fineProlongatorRows(h), h.levels[0].nodes * 4));
    expect(first.scale).toBeGreaterThan(0);
    expect(first.worst).toBeLessThanOrEqual(2e-5 * first.scale);
    for (let l = 0; l + 1 < h.levels.length; l++) {
      const p = coarseProlongatorRows(h.levels[l], h.levels[l + 1].nodes);
      const next = compare(levelRows(h.levels[l + 1]), galerkin(levelRows(h.levels[l]), p, h.levels[l + 1].nodes * 4));
      expect(next.worst, `level ${l + 1}`).toBeLessThanOrEqual(2e-5 * next.scale);
    }
  });

  // Dense Cholesky below the first level only (above it, thousands of unknowns: P^T A P of the positive definite
  // fine system, checked entry by entry above).
  it.each(cases)("$build, $scene: the coarse operators are symmetric, below the first positive semi-definite", async ({ build, scene }) => {
    const h = await hierarchyOf(build, scene);
    for (const [l, level] of h.levels.entries()) {
      const rows = levelRows(level);
      let largest = 0, asymmetry = 0;
      rows.forEach((row, i) => row.forEach((value, j) => {
        largest = Math.max(largest, Math.abs(value));
        asymmetry = Math.max(asymmetry, Math.abs(value - (rows[j].get(i) ?? 0)));
      }));
      expect(asymmetry).toBeLessThanOrEqual(1e-6 * largest);
      if (l > 0) expect(positiveDefinite(rows, 1e-5 * largest)).toBe(true);
    }
  });
});

describe("smoothed aggregation's solve", () => {
  it.each(cases)("$build, $scene: the plain hierarchy's alpha at tolerance 1e-10, in fewer iterations", async ({ build, scene }) => {
    const engine = engines.get(build)!;
    const { image, trimap } = scenes[scene];
    const solve = (smoothedAggregation: boolean) => engine.run(async (arena) => {
      const checked = checkImage(image);
      const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
      const system = await buildSystem(arena, engine, pixels, width, height, 1, 1e-7);
      const options = { epsilon: 1e-7, radius: 1, tolerance: 1e-10, maxIterations: 5000, preconditioner: "multigrid" as const, smoothedAggregation };
      const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
      return { ...solved, x: arena.f64(solved.solution, system.rows).slice() };
    });
    const smoothed = await solve(true), plain = await solve(false);
    expect(smoothed.converged && plain.converged).toBe(true);
    expect(smoothed.iterations).toBeLessThan(plain.iterations);
    let worst = 0;
    smoothed.x.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - plain.x[i])); });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
