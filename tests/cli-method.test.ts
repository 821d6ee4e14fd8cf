// The built command line's --method and the method flags (knn's --neighbors, --distance-weights, --kernel; rw's, lkm's, lbdm's and sm's).
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { estimateAlpha } from "../dist/entry/node.js";
import { H, W, file, maxLevelDifference, pic, raw, readAlphaPng, runCli, useTempDir, writeTrimap } from "./cli-helpers.js";

useTempDir();
describe("matting CLI: --method", () => {
  beforeAll(async () => {
    await raw(pic.rgb, W, H, 3).png().toFile(file("scene.png"));
    await writeTrimap("scene-trimap.png", pic.trimap, W, H);
  });

  it("mattes with knn and its flags as the library does, and says so in --json", async () => {
    const out = file("knn.png");
    const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, "--method", "knn",
      "--neighbors", "8,4", "--distance-weights", "1.5,0.2", "--kernel", "soft", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.stats.method).toBe("knn");
    expect(report.options).toMatchObject({ method: "knn", neighbors: [8, 4], distanceWeights: [1.5, 0.2], kernel: "soft" });
    expect(report.options).not.toHaveProperty("epsilon");
    const expected = await estimateAlpha({ width: W, height: H, data: pic.rgb }, { width: W, height: H, data: pic.trimap },
      { method: "knn", neighbors: [8, 4], distanceWeights: [1.5, 0.2], kernel: "soft" });
    expect(maxLevelDifference((await readAlphaPng(out)).data, expected.alpha)).toBeLessThanOrEqual(0.5);
  });

  it("refuses an unknown method and another method's flags, naming the flag, before writing anything", async () => {
    const out = file("refused.png");
    const unknown = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, "--method", "bayes"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--method.*cf, knn/);
    for (const flags of [["--method", "knn", "--epsilon", "1e-5"], ["--neighbors", "5"], ["--method", "cf", "--kernel", "soft"]]) {
      const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, ...flags]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(flags.at(-2)!);
      expect(result.stderr).toContain("does not apply to method");
    }
    const list = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, "--method", "knn", "--neighbors", "20,x"]);
    expect(list.code).toBe(2);
  });
});

describe("matting CLI: random-walk, large-kernel, learning-based and shared-matting flags", () => {
  beforeAll(async () => {
    await raw(pic.rgb, W, H, 3).png().toFile(file("scene.png"));
    await writeTrimap("scene-trimap.png", pic.trimap, W, H);
  });
  const image = () => ({ width: W, height: H, data: pic.rgb });
  const trimap = () => ({ width: W, height: H, data: pic.trimap });

  it.each([
    ["rw", ["--sigma", "0.2", "--laplacian-regularization", "1e-4"], { sigma: 0.2, laplacianRegularization: 1e-4 }],
    ["lkm", ["--radius", "3", "--epsilon", "1e-4"], { radius: 3, epsilon: 1e-4 }],
    ["lbdm", ["--radius", "2", "--epsilon", "1e-2", "--preconditioner", "jacobi"], { radius: 2, epsilon: 1e-2, preconditioner: "jacobi" }],
    ["sm", ["--trimap-expansion-radius", "0", "--sample-gathering-angles", "9", "--sample-gathering-weights", "1,1,2,0.5",
      "--sample-refinement-radius", "2", "--local-smoothing-radius-1", "3", "--local-smoothing-sigma-sq-2", "0.5"],
      { trimapExpansionRadius: 0, sampleGatheringAngles: 9, sampleGatheringWeights: [1, 1, 2, 0.5], sampleRefinementRadius: 2,
        localSmoothingRadius1: 3, localSmoothingSigmaSq2: 0.5 }],
  ] as const)("%s: the flags reach the library and change the matte", async (method, flags, options) => {
    const out = file(`${method}-flags.png`);
    const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, "--method", method, ...flags, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).options).toMatchObject({ method, ...options });
    const written = (await readAlphaPng(out)).data;
    const tuned = await estimateAlpha(image(), trimap(), { method, ...options } as never);
    const plain = await estimateAlpha(image(), trimap(), { method });
    expect(maxLevelDifference(written, tuned.alpha)).toBeLessThanOrEqual(0.5);
    expect(maxLevelDifference(written, plain.alpha)).toBeGreaterThan(2);
  });

  it.each([["ifm", 1e-6], ["combined", undefined], ["rw", 1e-7], ["knn", 1e-7]] as const)(
    "%s: --json reports the tolerance the method stopped at by default (%s; none for combined, whose solves each use their own)",
    async (method, tolerance) => {
      const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", file(`${method}-default.png`), "--method", method, "--json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.options.tolerance).toBe(tolerance);
      expect(report.stats.converged).toBe(true);
      expect(report.stats.residual).toBeLessThanOrEqual(tolerance ?? 1e-6);
    },
  );

  it.each([
    ["rw", "--sigma", "100"], ["rw", "--laplacian-regularization", "-1"], ["rw", "--sigma", "x"],
    ["sm", "--sample-gathering-angles", "0"], ["sm", "--sample-gathering-weights", "1,2,3,x"], ["sm", "--local-smoothing-sigma-sq-3", "0"],
    ["sm", "--sample-gathering-weights", "1,2"],
    ["lkm", "--radius", "51"], ["lkm", "--epsilon", "0"], ["lbdm", "--radius", "3"], ["lbdm", "--preconditioner", "ichol"],
  ])("%s: a bad %s value (%s) is a usage error naming the flag, and nothing is written", async (method, flag, value) => {
    const out = file("bad-value.png");
    const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, "--method", method, flag, value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(flag);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a shared-matting flag with another method", async () => {
    const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", file("other.png"), "--method", "rw", "--sample-gathering-angles", "8"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("--sample-gathering-angles");
    expect(result.stderr).toContain("does not apply to method");
  });
});
