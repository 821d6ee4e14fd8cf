// Information-flow matting's memory: the figure it (and combined) reckons up front (peakBytes, for TOO_LARGE before anything
// is allocated) bounds what a call really holds, closely enough not to refuse what fits; and an engine whose
// memory cap is below it refuses with TOO_LARGE without growing.
import { describe, expect, it } from "vitest";
import { MattingError, createMatting } from "../dist/entry/node.js";
import { METHODS } from "../dist/methods/index.js";
import { compiledModule, makeEngine } from "./helpers.js";
import { type Image8, bandTrimap, randomTrimap, smoothImage } from "./synthetic.js";

/** The runner's own bytes (photo as f64 RGB, labels, the input's staging copy) plus the method's reckoning. */
function reckoned(engine: Awaited<ReturnType<typeof makeEngine>>, image: Image8, trimap: Image8, unknown: number, method: "ifm" | "combined" = "ifm"): number {
  const pixels = image.width * image.height;
  const defaults = Object.fromEntries(Object.entries(METHODS[method].options).map(([key, spec]) => [key, (spec as { default: unknown }).default]));
  return pixels * 25 + Math.max(image.data.byteLength, trimap.data.byteLength)
    + METHODS[method].peakBytes({ width: image.width, height: image.height, pixels, unknown }, defaults as never, engine);
}

const cases = [
  { name: "few unknowns", image: smoothImage(160, 120, 1), trimap: randomTrimap(160, 120, 2, 0.08) },
  { name: "mostly unknown", image: smoothImage(160, 120, 3), trimap: randomTrimap(160, 120, 4, 0.7) },
  { name: "a band, odd sizes", image: smoothImage(131, 97, 5), trimap: bandTrimap(131, 97, 50, 80) },
];

describe("ifm memory", () => {
  for (const method of ["ifm", "combined"] as const) {
    it(`${method}: the up-front figure bounds the peak, within 1.5x of it where unknowns dominate`, async () => {
      const engine = await makeEngine();
      const matting = await createMatting({ module: await compiledModule() });
      for (const { name, image, trimap } of cases) {
        const { stats } = await matting.estimateAlpha(image, trimap, { method });
        const bound = reckoned(engine, image, trimap, stats.unknownPixels, method);
        expect(stats.peakBytes, name).toBeLessThanOrEqual(bound);
        if (stats.unknownPixels > image.width * image.height * 0.5) expect(bound / stats.peakBytes, name).toBeLessThan(1.5);
      }
    });
  }

  it("refuses with TOO_LARGE before growing when the engine's cap is below the figure, and mattes just above it", async () => {
    const { image, trimap } = cases[1];
    const engine = await makeEngine();
    const probe = await createMatting({ module: await compiledModule() });
    const { stats } = await probe.estimateAlpha(image, trimap, { method: "ifm" });
    const bound = reckoned(engine, image, trimap, stats.unknownPixels);
    const capped = await createMatting({ module: await compiledModule(), maxMemoryBytes: bound - 1024 });
    const before = capped.wasmMemoryBytes;
    const error = await capped.estimateAlpha(image, trimap, { method: "ifm" }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("TOO_LARGE");
    expect(capped.wasmMemoryBytes).toBe(before);
    // The cap counts from the engine's base, so leave room for it: the same call then fits.
    const roomy = await createMatting({ module: await compiledModule(), maxMemoryBytes: bound + 4 * 2 ** 20 });
    const fits = await roomy.estimateAlpha(image, trimap, { method: "ifm" });
    expect(fits.alpha).toEqual((await probe.estimateAlpha(image, trimap, { method: "ifm" })).alpha);
  });
});
