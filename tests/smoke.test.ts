import { describe, expect, it } from "vitest";
import { estimateAlpha } from "../dist/entry/node.js";

describe("estimateAlpha", () => {
  it("solves a two-colour image with a grey band", async () => {
    const width = 24, height = 16;
    const data = new Uint8Array(width * height * 3);
    const trimap = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const left = x < 12;
        data.set(left ? [200, 40, 40] : [20, 60, 220], i * 3);
        trimap[i] = x < 8 ? 255 : x > 16 ? 0 : 128;
      }
    }
    const { alpha, stats } = await estimateAlpha({ width, height, data }, { width, height, data: trimap });
    expect(stats.converged).toBe(true);
    expect(stats.unknownPixels).toBe(16 * 9);
    for (let y = 0; y < height; y++) {
      expect(alpha[y * width + 10]).toBeGreaterThan(0.99);
      expect(alpha[y * width + 13]).toBeLessThan(0.01);
    }
  });
});
