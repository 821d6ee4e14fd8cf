// The sparse SPD solver (assembly/solve/, src/methods/sparse.ts) against dense twins: assembly (sorting, summing
// repeated entries), the symmetric Gauss-Seidel preconditioner, and PCG against a dense direct solve, on both builds.
import { describe, expect, it } from "vitest";
import type { Arena, Engine } from "../dist/engine.js";
import { type SparseKernels, type SparsePreconditioner, assembleSparse, constrainedSystem, solveSparse } from "../dist/methods/sparse.js";
import type { MethodContext } from "../dist/methods/types.js";
import { makeEngine, random } from "./helpers.js";
import { solveDense } from "./reference/dense.js";
import { type Triples, densify, symmetricGaussSeidel } from "./reference/sparse.js";

/**
 * A random SPD matrix like the methods' systems: a weighted graph Laplacian (each edge entered in both rows, some
 * twice), plus `shift` times a random diagonal share of "constrained" rows, which makes it definite.
 */
function randomSystem(size: number, degree: number, seed: number, shift: number): Triples & { rhs: Float64Array } {
  const next = random(seed);
  const t: Triples & { rhs: Float64Array } = { size, rows: [], columns: [], values: [], diagonal: new Float64Array(size), rhs: new Float64Array(size) };
  for (let i = 0; i < size; i++) {
    for (let e = 0; e < degree; e++) {
      const j = Math.floor(next() * size);
      if (j === i) continue;
      const w = next() < 0.5 ? 1 : 0.05 + next();
      t.rows.push(i, j);
      t.columns.push(j, i);
      t.values.push(-w, -w);
      t.diagonal[i] += w;
      t.diagonal[j] += w;
    }
  }
  for (let i = 0; i < size; i++) {
    t.diagonal[i] += 0.01;
    if (next() < 0.3 || i === 0) t.diagonal[i] *= 1 + shift;
    t.rhs[i] = next() < 0.5 ? shift : next();
  }
  return t;
}

function context(engine: Engine, arena: Arena, checkpoint = async () => {}): MethodContext {
  return { engine, arena, width: 1, height: 1, pixels: { image: 0, labels: 0, counts: { background: 0, foreground: 0, unknown: 0 } }, progress() {}, checkpoint };
}

function assemble(engine: Engine, arena: Arena, t: Triples & { rhs: Float64Array }) {
  const kernels = engine.kernels as SparseKernels;
  return assembleSparse(arena, kernels, t.size,
    (counts) => {
      const view = arena.i32(counts, t.size);
      for (const row of t.rows) view[row]++;
    },
    (cursor, columns, values, diagonal, rhs) => {
      const at = arena.i32(cursor, t.size);
      t.rows.forEach((row, k) => {
        arena.i32(columns + at[row] * 4, 1)[0] = t.columns[k];
        arena.f64(values + at[row] * 8, 1)[0] = t.values[k];
        at[row]++;
      });
      arena.f64(diagonal, t.size).set(t.diagonal);
      arena.f64(rhs, t.size).set(t.rhs);
    });
}

const builds = ["release", "scalar"] as const;

/** pymatting's make_linear_system densely over every pixel: (L + lambda diag(s [known])) x = lambda s [foreground]. */
function denseConstrained(t: Triples, labels: Uint8Array, scale: Float64Array, lambda: number): Float64Array {
  const m = densify(t);
  const rhs = new Float64Array(t.size);
  for (let p = 0; p < t.size; p++) {
    if (labels[p] !== 2) m.entries[p * t.size + p] += lambda * scale[p];
    if (labels[p] === 1) rhs[p] = lambda * scale[p];
  }
  return solveDense(m, rhs);
}
const sizes = [[1, 0], [2, 1], [7, 2], [40, 3], [150, 6], [400, 10]] as const;

describe("sparse SPD systems", () => {
  it.each(builds)("assembly sorts each row by column and sums repeated entries (%s)", async (build) => {
    const engine = await makeEngine(build);
    for (const [size, degree] of sizes) {
      const t = randomSystem(size, degree, size * 7 + 1, 100);
      await engine.run((arena) => {
        const s = assemble(engine, arena, t);
        const dense = densify(t).entries;
        const rowStart = arena.i32(s.rowStart, size + 1), columns = arena.i32(s.columns, s.entries), values = arena.f64(s.values, s.entries);
        let expectedEntries = 0;
        for (let i = 0; i < size; i++) {
          const seen: number[] = [];
          for (let k = rowStart[i]; k < rowStart[i + 1]; k++) {
            seen.push(columns[k]);
            expect(values[k]).toBeCloseTo(dense[i * size + columns[k]], 12);
          }
          expect(seen).toEqual([...new Set(t.rows.flatMap((row, k) => (row === i ? [t.columns[k]] : [])))].sort((a, b) => a - b));
          expectedEntries += seen.length;
        }
        expect(s.entries).toBe(expectedEntries);
      });
    }
  });

  it.each(builds)("symmetric Gauss-Seidel is (D + L) D^-1 (D + U) inverted (%s)", async (build) => {
    const engine = await makeEngine(build);
    for (const [size, degree] of sizes) {
      const t = randomSystem(size, degree, size * 3 + 2, 10);
      await engine.run((arena) => {
        const s = assemble(engine, arena, t);
        const kernels = engine.kernels as SparseKernels;
        kernels.sparsePreconditionerSetup(s.matrix, 1, arena.alloc(size * 8));
        const z = arena.alloc(size * 8);
        kernels.sparsePrecondition(s.matrix, s.rhs, z);
        const expected = symmetricGaussSeidel(densify(t), t.rhs);
        arena.f64(z, size).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
      });
    }
  });

  it.each(builds.flatMap((build) => (["jacobi", "gauss-seidel"] as const).map((p) => [build, p] as const)))(
    "PCG matches a dense direct solve (%s, %s)", async (build, preconditioner: SparsePreconditioner) => {
      const engine = await makeEngine(build);
      for (const [size, degree] of sizes) {
        for (const shift of [100, 0.01]) {
          const t = randomSystem(size, degree, size * 5 + 3, shift);
          const expected = solveDense(densify(t), t.rhs);
          await engine.run(async (arena) => {
            const s = assemble(engine, arena, t);
            const solved = await solveSparse(context(engine, arena), s, { tolerance: 1e-12, maxIterations: 10000, preconditioner }, () => {});
            expect(solved.converged).toBe(true);
            expect(solved.residual).toBeLessThanOrEqual(1e-12);
            const scale = Math.max(...expected.map(Math.abs));
            arena.f64(solved.solution, size).forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-8 * scale));
          });
        }
      }
    });

  it("stops at maxIterations unconverged, with the residual reached, and stops when the checkpoint throws", async () => {
    const engine = await makeEngine();
    const t = randomSystem(400, 4, 9, 0.001);
    await engine.run(async (arena) => {
      const s = assemble(engine, arena, t);
      const solved = await solveSparse(context(engine, arena), s, { tolerance: 1e-12, maxIterations: 3, preconditioner: "jacobi" }, () => {});
      expect(solved.iterations).toBe(3);
      expect(solved.converged).toBe(false);
      expect(solved.residual).toBeGreaterThan(1e-12);
    });
    await engine.run(async (arena) => {
      const s = assemble(engine, arena, t);
      const stopped = solveSparse(context(engine, arena, async () => { throw new Error("stop"); }), s, { tolerance: 1e-12, maxIterations: 1000, preconditioner: "jacobi" }, () => {});
      await expect(stopped).rejects.toThrow("stop");
    });
  });

  it.each(builds)("make_linear_system restricted to the unknown pixels and their neighbours matches the whole system (%s)", async (build) => {
    const engine = await makeEngine(build);
    for (const [size, degree] of sizes.slice(2)) {
      // A graph Laplacian (semi-definite: only the constraints make the system definite).
      const t = randomSystem(size, degree, size * 11 + 5, 0);
      t.diagonal.forEach((_, i) => (t.diagonal[i] = -t.values.reduce((sum, v, k) => (t.rows[k] === i ? sum + v : sum), 0)));
      const next = random(size);
      const labels = Uint8Array.from({ length: size }, (_, p) => (p === 0 ? 0 : p === 1 ? 1 : next() < 0.5 ? 2 : next() < 0.5 ? 0 : 1));
      for (const scaled of [false, true]) {
        const scale = Float64Array.from({ length: size }, () => (scaled ? 1 + 30 * next() : 1));
        const expected = denseConstrained(t, labels, scale, 100);
        for (const hops of [0, 1, 2, size]) {
          await engine.run(async (arena) => {
            const full = assemble(engine, arena, t);
            const labelsAt = arena.copyIn(labels);
            const scaleAt = scaled ? arena.copyIn(scale) : 0;
            const { system, activeIndex } = constrainedSystem(arena, engine.kernels as SparseKernels, full, labelsAt, hops, scaleAt);
            const solved = await solveSparse(context(engine, arena), system, { tolerance: 1e-13, maxIterations: 10000, preconditioner: "gauss-seidel" }, () => {});
            const rows = arena.i32(activeIndex, size), x = arena.f64(solved.solution, system.rows);
            if (hops === 0) expect(system.rows).toBe(labels.filter((l) => l === 2).length);
            // Each hop left out costs about a factor lambda in accuracy.
            const allowed = hops === size ? 1e-9 : [1e-1, 3e-3, 1e-4][hops];
            let worst = 0;
            labels.forEach((label, p) => {
              if (label === 2) worst = Math.max(worst, Math.abs(x[rows[p]] - expected[p]));
            });
            expect(worst).toBeLessThan(allowed);
          });
        }
      }
    }
  });
});
