// onProgress reports and the not-converged outcome of estimateAlpha.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting, type Progress } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

function checkReports(reports: Progress[]): void {
  expect(reports.length).toBeGreaterThanOrEqual(2);
  expect(reports[0]).toMatchObject({ phase: "laplacian", fraction: 0 });
  const firstSolve = reports.findIndex((r) => r.phase === "solve");
  expect(firstSolve).toBeGreaterThan(0);
  reports.forEach((report, i) => {
    expect(report.phase).toBe(i < firstSolve ? "laplacian" : "solve");
    expect(report.fraction).toBeGreaterThanOrEqual(0);
    expect(report.fraction).toBeLessThanOrEqual(1);
    if (i > 0) expect(report.fraction, `report ${i} of ${reports.length}`).toBeGreaterThanOrEqual(reports[i - 1].fraction);
    if (report.phase === "solve") {
      expect(Number.isInteger(report.iteration)).toBe(true);
      expect(Number.isFinite(report.residual)).toBe(true);
      if (i > firstSolve) expect(report.iteration).toBeGreaterThanOrEqual(reports[i - 1].iteration ?? 0);
    }
  });
  expect(reports[reports.length - 1].phase).toBe("solve");
  expect(reports[reports.length - 1].fraction).toBe(1);
}

describe("onProgress", () => {
  it("reports the Laplacian, then the solve, with fractions rising in [0, 1] to exactly 1", async () => {
    const reports: Progress[] = [];
    const { stats } = await matting.estimateAlpha(noiseImage(30, 20, 1), randomTrimap(30, 20, 2), { onProgress: (p) => reports.push({ ...p }) });
    checkReports(reports);
    expect(reports[reports.length - 1].iteration).toBe(stats.iterations);
    expect(reports[reports.length - 1].residual).toBe(stats.residual);
  });

  it("keeps the fraction from going back over a long solve whose residual does not fall monotonically", async () => {
    // Jacobi-preconditioned CG minimises the error's energy norm; the residual's 2-norm can rise for
    // a while on smooth images, and the reported fraction must not follow it back.
    const reports: Progress[] = [];
    const width = 120, height = 120;
    const { stats } = await matting.estimateAlpha(smoothImage(width, height, 3), randomTrimap(width, height, 4, 0.8), {
      tolerance: 1e-12, maxIterations: 4000, onProgress: (p) => reports.push({ ...p }),
    });
    checkReports(reports);
    expect(reports.filter((r) => r.phase === "solve").length).toBeGreaterThan(2);
    expect(reports[reports.length - 1].iteration).toBe(stats.iterations);
  });

  it("reports nothing, and is not required, when nothing is unknown", async () => {
    const reports: Progress[] = [];
    const width = 9, height = 9;
    const trimap = bandTrimap(width, height, 5, 4);
    const { stats } = await matting.estimateAlpha(noiseImage(width, height, 5), trimap, { onProgress: (p) => reports.push(p) });
    expect(stats.unknownPixels).toBe(0);
    expect(reports).toEqual([]);
  });
});

describe("not converging", () => {
  it("returns the best estimate after maxIterations with converged false and the residual above tolerance", async () => {
    const width = 40, height = 40;
    const tolerance = 1e-8;
    const image = smoothImage(width, height, 6);
    const trimap = bandTrimap(width, height, 4, 35);
    const { alpha, stats } = await matting.estimateAlpha(image, trimap, { maxIterations: 3, tolerance });
    expect(stats.converged).toBe(false);
    expect(stats.iterations).toBe(3);
    expect(stats.residual).toBeGreaterThan(tolerance);
    expect(Number.isFinite(stats.residual)).toBe(true);
    expect(alpha).toHaveLength(width * height);
    alpha.forEach((a) => {
      expect(Number.isFinite(a)).toBe(true);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    });
    // Without the cap the same call converges: the cap, not the problem, stopped it.
    const converged = await matting.estimateAlpha(image, trimap, { tolerance });
    expect(converged.stats.converged).toBe(true);
    expect(converged.stats.residual).toBeLessThanOrEqual(tolerance);
    expect(converged.stats.iterations).toBeGreaterThan(3);
  });

  it("reports the final fraction 1 even when it stops at the iteration cap", async () => {
    const reports: Progress[] = [];
    const { stats } = await matting.estimateAlpha(smoothImage(40, 40, 7), bandTrimap(40, 40, 4, 35), {
      maxIterations: 20, tolerance: 1e-12, onProgress: (p) => reports.push({ ...p }),
    });
    expect(stats.converged).toBe(false);
    checkReports(reports);
    expect(reports[reports.length - 1]).toMatchObject({ iteration: 20 });
  });
});
