// Each method's up-front memory estimate (its peakBytes, which estimateAlpha checks against wasm32's 4 GiB before
// anything is built, refusing with TOO_LARGE) against the arena's actual peak, on a few sizes and unknown shares:
// never below it (else a case could pass the check and then run out of memory), and not far above (else cases that
// fit would be refused). lkm and sm know their whole peak from the size alone; rw and lbdm check again with the
// count of pixels they solve for before building their system.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { METHODS } from "../dist/methods/index.js";
import { bandTrimap, randomTrimap, smoothImage } from "./synthetic.js";

/**
 * What estimateAlpha holds besides the method (src/methods/run.ts): the photo as f64 RGB and a label per pixel (in
 * its up-front check) and the f32 alpha it composes at the end (not in that check: so it is added here, to test the
 * method's own estimate), and the raw input.
 */
const RUNNER_BYTES_PER_PIXEL = 24 + 1 + 4;

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ threads: 1 });
});

const sizes = [
  { width: 48, height: 40, trimap: (w: number, h: number) => randomTrimap(w, h, 3, 0.5) },
  { width: 120, height: 90, trimap: (w: number, h: number) => bandTrimap(w, h, 50, 70) },
  { width: 160, height: 60, trimap: (w: number, h: number) => randomTrimap(w, h, 5, 0.2) },
];

describe.each(["lkm", "sm"] as const)("%s's memory estimate", (method) => {
  it.each(sizes)("covers the actual peak at $width x $height, within a factor of 8", async ({ width, height, trimap }) => {
    const image = smoothImage(width, height, 7);
    const tri = trimap(width, height);
    const { stats } = await matting.estimateAlpha(image, tri, { method });
    const pixels = width * height;
    const defaults = Object.fromEntries(Object.entries(METHODS[method].options).map(([key, spec]) => [key, spec.default]));
    const own = METHODS[method].peakBytes({ width, height, pixels, unknown: stats.unknownPixels }, defaults as never, undefined as never);
    const estimate = pixels * RUNNER_BYTES_PER_PIXEL + image.data.byteLength + own;
    expect(stats.peakBytes).toBeLessThanOrEqual(estimate);
    expect(estimate).toBeLessThan(8 * stats.peakBytes);
  });
});
