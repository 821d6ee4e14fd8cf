// The built command line's --method and the method flags (--neighbors, --distance-weights, --kernel).
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
