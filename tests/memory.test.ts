// One engine, many calls: wasm memory grows to what the largest call needs and then stays exactly
// flat, failed calls (of every kind, at every stage) included, and a failure never changes later answers.
import { describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { noiseImage, randomTrimap, smoothImage } from "./synthetic.js";

const SIZE = 40;
const image = smoothImage(SIZE, SIZE, 1);
const trimap = randomTrimap(SIZE, SIZE, 2, 0.5);
const otherImage = noiseImage(SIZE, SIZE, 3);
const otherTrimap = randomTrimap(SIZE, SIZE, 4, 0.8);
const plane = (data: Uint8Array | Float32Array) => ({ width: SIZE, height: SIZE, data });

type Call = (m: Matting) => Promise<unknown>;

/** Aborts from inside the progress callback once `phase` is reported: a deterministic mid-call abort. */
const abortAt = (phase: string): Call => (m) => {
  const controller = new AbortController();
  return m.estimateAlpha(image, trimap, {
    tolerance: 1e-12, signal: controller.signal, onProgress: (p) => { if (p.phase === phase) controller.abort(); },
  });
};

const nanImage = Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i === 1000 ? NaN : 0.5));
const outOfRangeTrimap = Float32Array.from(trimap.data, (v, p) => (p === SIZE * SIZE - 1 ? 1.5 : v / 255));
const noForeground = Uint8Array.from(trimap.data, (v) => (v === 255 ? 0 : v));
const noBackground = Uint8Array.from(trimap.data, (v) => (v === 0 ? 255 : v));
const allKnown = Uint8Array.from(trimap.data, (v) => (v === 0 || v === 255 ? v : 255));

// Each call with the error code it must give (or null for success).
const calls: [string, Call, string | null][] = [
  ["success", (m) => m.estimateAlpha(image, trimap), null],
  ["success, radius 2", (m) => m.estimateAlpha(otherImage, otherTrimap, { radius: 2 }), null],
  ["not converged", (m) => m.estimateAlpha(otherImage, otherTrimap, { maxIterations: 2 }), null],
  ["no unknown pixel", (m) => m.estimateAlpha(image, plane(allKnown)), null],
  ["size mismatch", (m) => m.estimateAlpha(image, { width: SIZE - 1, height: SIZE, data: new Uint8Array(SIZE * (SIZE - 1)) }), "SIZE_MISMATCH"],
  ["bad channels", (m) => m.estimateAlpha({ width: SIZE, height: SIZE, data: new Uint8Array(SIZE * SIZE * 2) }, trimap), "BAD_CHANNELS"],
  ["empty", (m) => m.estimateAlpha({ width: 0, height: SIZE, data: new Uint8Array(0) }, trimap), "EMPTY_IMAGE"],
  ["too small", (m) => m.estimateAlpha(noiseImage(2, 2, 5), randomTrimap(2, 2, 6)), "IMAGE_TOO_SMALL"],
  ["NaN in image (found in wasm memory)", (m) => m.estimateAlpha(plane(nanImage), trimap), "INVALID_VALUE"],
  ["1.5 in trimap (found in wasm memory)", (m) => m.estimateAlpha(image, plane(outOfRangeTrimap)), "INVALID_VALUE"],
  ["no foreground (found after loading)", (m) => m.estimateAlpha(image, plane(noForeground)), "NO_FOREGROUND"],
  ["no background (found after loading)", (m) => m.estimateAlpha(image, plane(noBackground)), "NO_BACKGROUND"],
  ["bad option", (m) => m.estimateAlpha(image, trimap, { radius: 0 }), "INVALID_OPTION"],
  ["bad input", (m) => m.estimateAlpha(null as never, trimap), "INVALID_INPUT"],
  ["side too large", (m) => m.estimateAlpha({ width: 2 ** 21, height: 1, data: new Uint8Array(3) }, trimap), "TOO_LARGE"],
  ["aborted before", (m) => m.estimateAlpha(image, trimap, { signal: AbortSignal.abort() }), "ABORTED"],
  ["aborted after the Laplacian", abortAt("laplacian"), "ABORTED"],
  ["aborted mid-solve", abortAt("solve"), "ABORTED"],
  ["onProgress throws", (m) => m.estimateAlpha(image, trimap, { onProgress: () => { throw new RangeError("from the callback"); } }), "RangeError"],
];

async function outcome(call: Call, matting: Matting): Promise<string | null> {
  try {
    await call(matting);
    return null;
  } catch (error) {
    return error instanceof MattingError ? error.code : (error as Error).name;
  }
}

describe("wasm memory over many calls", () => {
  it("stays exactly flat over 200 mixed calls after one warm-up round, and failures change no answer", async () => {
    const matting = await createMatting({ module: await compiledModule() });
    const reference = await matting.estimateAlpha(image, trimap);
    for (const [name, call, expected] of calls) expect(await outcome(call, matting), name).toBe(expected);
    const settled = matting.wasmMemoryBytes;

    for (let i = 0; i < 200; i++) {
      const [name, call, expected] = calls[(i * 7) % calls.length];
      expect(await outcome(call, matting), `call ${i}: ${name}`).toBe(expected);
      expect(matting.wasmMemoryBytes, `call ${i}: ${name}`).toBe(settled);
      if (expected !== null) {
        const { alpha } = await matting.estimateAlpha(image, trimap);
        expect(alpha, `after call ${i}: ${name}`).toEqual(reference.alpha);
      }
    }
  });

  it("serves overlapping calls one at a time with the answers of sequential calls", async () => {
    const matting = await createMatting({ module: await compiledModule() });
    const sequential = [
      (await matting.estimateAlpha(image, trimap)).alpha,
      (await matting.estimateAlpha(otherImage, otherTrimap, { radius: 2 })).alpha,
    ];
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? calls[10][1](matting) : calls[i % 3 === 1 ? 0 : 1][1](matting))),
    );
    results.forEach((result, i) => {
      if (i % 3 === 0) {
        expect(result.status).toBe("rejected");
        return;
      }
      expect(result.status).toBe("fulfilled");
      const { alpha } = (result as PromiseFulfilledResult<{ alpha: Float32Array }>).value;
      expect(alpha).toEqual(sequential[i % 3 === 1 ? 0 : 1]);
    });
  });
});

describe("an engine with maxMemoryBytes", () => {
  const MiB = 1024 * 1024;
  const big = 400;
  const bigImage = smoothImage(big, big, 5);
  const bigTrimap = randomTrimap(big, big, 6, 0.6);

  it("rejects work over its limit with TOO_LARGE without growing past it, and still serves what fits", async () => {
    const matting = await createMatting({ module: await compiledModule(), maxMemoryBytes: 8 * MiB });
    const error = await matting.estimateAlpha(bigImage, bigTrimap).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("TOO_LARGE");
    expect((error as MattingError).message).toMatch(/maxMemoryBytes allows/);
    // Only the trimap's labels (1 byte per pixel, needed to count the unknown pixels) are in memory by then.
    expect(matting.wasmMemoryBytes).toBeLessThanOrEqual(big * big * 2 + 2 * 65536);
    const { alpha, stats } = await matting.estimateAlpha(image, trimap);
    expect(stats.converged).toBe(true);
    expect(matting.wasmMemoryBytes).toBeLessThanOrEqual(8 * MiB);
    const unlimited = await createMatting({ module: await compiledModule() });
    expect(Array.from(alpha)).toEqual(Array.from((await unlimited.estimateAlpha(image, trimap)).alpha));
    expect((await unlimited.estimateAlpha(bigImage, bigTrimap)).stats.peakBytes).toBeGreaterThan(8 * MiB);
  });

  it("rejects a limit that is not a positive number", async () => {
    for (const maxMemoryBytes of [0, -1, Number.NaN, "64" as unknown as number]) {
      await expect(createMatting({ module: await compiledModule(), maxMemoryBytes })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    }
  });
});
