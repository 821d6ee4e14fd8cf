// The multigrid preconditioner's fine Gauss-Seidel sweeps read the Laplacian's entries in f32, a copy that the
// first level's set-up writes as it reads the f64 entries (assembly/aggregation.ts, firstLevelBlocks), each thread
// its own rows. The copy must be every entry rounded to f32, on every thread's rows, at both radii multigrid
// takes (1 and 2), on the SIMD build, its scalar twin and the threads build with 1 to 4 threads; and the solve
// that uses it must give the plain Jacobi-preconditioned solve's answer (the outer CG keeps the f64 entries).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import type { Engine } from "../dist/engine.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { enginesOfEveryBuild } from "./helpers.js";
import { bandTrimap, smoothImage } from "./synthetic.js";

/** Byte offset of the f32 sweep entries in the hierarchy's header (assembly/aggregation.ts, field 12). */
const SWEEP_VALUES_FIELD = 48;
/** Small enough that every thread count splits the 96x80 scene's unknowns (src/split.ts). */
const MIN_ROWS = 256;

let engines = new Map<string, Engine>();
beforeAll(async () => {
  engines = await enginesOfEveryBuild([1, 2, 3, 4]);
});
afterAll(() => engines.forEach((engine) => engine.close()));

const width = 96, height = 80;
const scene = { image: smoothImage(width, height, 41), trimap: bandTrimap(width, height, 12, 84) };

async function solve(engine: Engine, radius: number, preconditioner: "multigrid" | "jacobi") {
  return engine.run(async (arena) => {
    const checked = checkImage(scene.image);
    const pixels = loadPixels(arena, engine, checked, checkTrimap(scene.trimap, checked));
    const system = await buildSystem(arena, engine, pixels, width, height, radius, 1e-7, MIN_ROWS);
    const options = { epsilon: 1e-7, radius, tolerance: 1e-10, maxIterations: 20_000, preconditioner };
    const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
    const entries = system.rows * system.half;
    const sweep = preconditioner === "multigrid" ? arena.f32(arena.i32(solved.preconditioner + SWEEP_VALUES_FIELD, 1)[0], entries).slice() : undefined;
    return {
      threads: system.split?.bandStarts.length ?? 1, converged: solved.converged, finishedAlone: solved.finishedAlone, sweep,
      values: arena.f64(system.values, entries).slice(), x: arena.f64(solved.solution, system.rows).slice(),
    };
  });
}

describe("the fine sweeps' f32 entries", () => {
  const cases = ["release", "scalar", "threads 1", "threads 2", "threads 3", "threads 4"].flatMap((build) => [1, 2].map((radius) => ({ build, radius })));

  it.each(cases)("$build, radius $radius: every entry rounded to f32, and Jacobi's answer", async ({ build, radius }) => {
    const engine = engines.get(build)!;
    const multigrid = await solve(engine, radius, "multigrid");
    expect(multigrid.threads).toBe(engine.threads);
    expect(multigrid.converged && !multigrid.finishedAlone).toBe(true);
    let mismatches = 0;
    multigrid.values.forEach((v, e) => { if (multigrid.sweep![e] !== Math.fround(v)) mismatches++; });
    expect(mismatches).toBe(0);
    const jacobi = await solve(engine, radius, "jacobi");
    expect(jacobi.converged).toBe(true);
    let worst = 0;
    multigrid.x.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - jacobi.x[i])); });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
