// Block levels larger than the caches sweep forward after their coarse correction (assembly/cycle.ts smoothCycle,
// header field 14; src/alpha.ts FORWARD_AFTER_NODES, about 2^15 nodes, which only high-res scenes reach). The
// internal option forwardAfterNodes lowers that bound so that a small scene takes the path: it must reach the
// same alpha as the symmetric pair within the tolerance, by a different route (other iterates), and the default
// must be the symmetric pair bit for bit on a scene whose levels are all below the bound.
import { describe, expect, it } from "vitest";
import { buildSystem, loadPixels, solveSystem } from "../dist/alpha.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { makeEngine } from "./helpers.js";
import { bandTrimap, smoothImage } from "./synthetic.js";

const width = 200, height = 160;
const image = smoothImage(width, height, 21);
const trimap = bandTrimap(width, height, 30, 170);

describe("forward sweeps after the coarse correction on large block levels", () => {
  it.each(["release", "scalar"] as const)("reach the symmetric pair's alpha, and the default is that pair (%s build)", async (build) => {
    const engine = await makeEngine(build);
    const solve = (forwardAfterNodes?: number) => engine.run(async (arena) => {
      const checked = checkImage(image);
      const pixels = loadPixels(arena, engine, checked, checkTrimap(trimap, checked));
      const system = await buildSystem(arena, engine, pixels, width, height, 1, 1e-7);
      const options = { epsilon: 1e-7, radius: 1, tolerance: 1e-9, maxIterations: 5000, preconditioner: "multigrid" as const, forwardAfterNodes };
      const solved = await solveSystem(arena, engine, system, pixels, { width, height }, options, () => {});
      return { ...solved, x: arena.f64(solved.solution, system.rows).slice() };
    });
    const byDefault = await solve();
    const symmetric = await solve(0x7fffffff);
    const forward = await solve(0); // every level above the coarsest
    expect(byDefault.converged && symmetric.converged && forward.converged).toBe(true);
    expect(byDefault.iterations).toBe(symmetric.iterations);
    expect(Array.from(byDefault.x)).toEqual(Array.from(symmetric.x));
    // The forward sweeps ran: other iterates, the same answer within the solver's tolerance.
    let worst = 0;
    forward.x.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - symmetric.x[i])); });
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(forward.iterations).toBeLessThanOrEqual(2 * symmetric.iterations);
  });
});
