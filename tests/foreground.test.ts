// Foreground estimation on synthetic composites with known truth: I = a F + (1 - a) B.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting, type Progress } from "../dist/entry/node.js";
import { compiledModule, random } from "./helpers.js";
import { referenceForeground } from "./reference/foreground.js";

interface Scene {
  width: number;
  height: number;
  image: Float32Array;
  alpha: Float32Array;
  foreground: Float32Array;
  background: Float32Array;
}

/** Smooth colours in [0.05, 0.95]: a few random plane waves per channel, periods of at least 60 pixels. */
function smoothColours(width: number, height: number, next: () => number): Float32Array {
  const waves = Array.from({ length: 3 }, () => ({
    fx: (next() - 0.5) * 0.2, fy: (next() - 0.5) * 0.2, phase: next() * 6.28, weights: [next(), next(), next()],
  }));
  const base = [next(), next(), next()];
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0.2 + 0.6 * base[c];
        for (const w of waves) v += 0.12 * w.weights[c] * Math.sin(w.fx * x + w.fy * y + w.phase);
        out[(y * width + x) * 3 + c] = Math.min(0.95, Math.max(0.05, v));
      }
    }
  }
  return out;
}

/**
 * A blob with a soft, wavy edge, opaque inside and clear outside; alpha ramps over 2-7 pixels. The method's
 * smoothness prior recovers F the better the narrower the fringe is against the scale on which the colours
 * change: with ramps of 12 pixels and colour periods down to 40 pixels it beats the naive cutout only two- to
 * six-fold.
 */
function softAlpha(width: number, height: number, next: () => number): Float32Array {
  const cx = width * (0.4 + 0.2 * next()), cy = height * (0.4 + 0.2 * next());
  const radius = Math.min(width, height) * (0.25 + 0.1 * next());
  const softness = 1 + 2.5 * next();
  const lobes = 3 + Math.floor(next() * 5);
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const angle = Math.atan2(y - cy, x - cx);
      const edge = radius * (1 + 0.15 * Math.sin(lobes * angle));
      const a = 0.5 + (edge - Math.hypot(x - cx, y - cy)) / (2 * softness);
      alpha[y * width + x] = Math.min(1, Math.max(0, a));
    }
  }
  return alpha;
}

function scene(width: number, height: number, seed: number): Scene {
  const next = random(seed);
  const foreground = smoothColours(width, height, next);
  const background = smoothColours(width, height, next);
  const alpha = softAlpha(width, height, next);
  const image = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      image[3 * i + c] = alpha[i] * foreground[3 * i + c] + (1 - alpha[i]) * background[3 * i + c];
    }
  }
  return { width, height, image, alpha, foreground, background };
}

/** sum over unknown pixels with alpha > 0.05 of alpha * |estimate - truth| (all channels). */
function foregroundError(s: Scene, estimate: Float32Array): number {
  let error = 0;
  for (let i = 0; i < s.width * s.height; i++) {
    const a = s.alpha[i];
    if (a <= 0.05 || a >= 1) continue;
    for (let c = 0; c < 3; c++) error += a * Math.abs(estimate[3 * i + c] - s.foreground[3 * i + c]);
  }
  return error;
}

let matting: Matting;
let scalar: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
  scalar = await createMatting({ module: await compiledModule("scalar") });
});

const cases: [number, number, number][] = [[64, 48, 1], [80, 80, 2], [37, 53, 3], [120, 90, 4], [101, 67, 5], [48, 200, 6]];

describe("estimateForeground", () => {
  it.each(cases)("beats the naive cutout at least five-fold on a %ix%i scene (seed %i)", async (width, height, seed) => {
    const s = scene(width, height, seed);
    const { foreground, background } = await matting.estimateForeground({ width, height, data: s.image }, s.alpha);
    expect(foreground.length).toBe(width * height * 3);
    expect(background.length).toBe(width * height * 3);
    const estimated = foregroundError(s, foreground);
    const naive = foregroundError(s, s.image);
    expect(naive).toBeGreaterThan(0);
    expect(estimated, `estimated ${estimated.toFixed(2)} vs naive ${naive.toFixed(2)}`).toBeLessThanOrEqual(naive / 5);
  });

  it("gives the release (SIMD) and scalar builds the same colours, all in [0, 1]", async () => {
    const s = scene(57, 41, 9);
    const image = { width: 57, height: 41, data: s.image };
    const a = await matting.estimateForeground(image, s.alpha);
    const b = await scalar.estimateForeground(image, s.alpha);
    expect(a.foreground).toEqual(b.foreground);
    expect(a.background).toEqual(b.background);
    for (const v of a.foreground) expect(v >= 0 && v <= 1).toBe(true);
  });

  it("matches the plain f64 reference of the paper's method (release and scalar, odd sizes, thin images)", async () => {
    const options = { regularization: 5e-3, gradientWeight: 0.1, smallIterations: 10, bigIterations: 2, smallSize: 32 };
    const next = random(12);
    for (const [width, height] of [[1, 1], [1, 17], [23, 1], [2, 3], [31, 29], [70, 45]]) {
      const s = scene(width, height, Math.floor(next() * 1000));
      // Some random alphas too, not only the smooth blob.
      for (let i = 0; i < s.alpha.length; i += 7) s.alpha[i] = Math.fround(next());
      const reference = referenceForeground(Float64Array.from(s.image), Float64Array.from(s.alpha), width, height, options);
      for (const engine of [matting, scalar]) {
        const { foreground, background } = await engine.estimateForeground({ width, height, data: s.image }, s.alpha, options);
        let worst = 0;
        for (let i = 0; i < foreground.length; i++) {
          worst = Math.max(worst, Math.abs(foreground[i] - reference.foreground[i]), Math.abs(background[i] - reference.background[i]));
        }
        expect(worst, `${width}x${height}`).toBeLessThan(2e-5);
      }
    }
  });

  it("returns the image itself as foreground and background when the image is one colour", async () => {
    const width = 33, height = 21;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([200, 100, 50, 255], 4 * i);
    const alpha = softAlpha(width, height, random(4));
    const { foreground, background } = await matting.estimateForeground({ width, height, data }, alpha);
    for (let i = 0; i < width * height * 3; i++) {
      expect(foreground[i]).toBeCloseTo([200, 100, 50][i % 3] / 255, 5);
      expect(background[i]).toBeCloseTo([200, 100, 50][i % 3] / 255, 5);
    }
  });

  it("accepts alpha as a Float32Array or as an 8-bit matte of the same size, and 1x1 images", async () => {
    const s = scene(20, 10, 7);
    const bytes = Uint8Array.from(s.alpha, (a) => Math.round(a * 255));
    const fromBytes = await matting.estimateForeground({ width: 20, height: 10, data: s.image }, { width: 20, height: 10, data: bytes });
    const fromFloats = await matting.estimateForeground({ width: 20, height: 10, data: s.image }, Float32Array.from(bytes, (v) => v / 255));
    // 8-bit alpha is scaled in f32 inside wasm: the two differ by rounding only.
    for (let i = 0; i < fromBytes.foreground.length; i++) expect(Math.abs(fromBytes.foreground[i] - fromFloats.foreground[i])).toBeLessThan(1e-5);
    const one = await matting.estimateForeground({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) }, new Float32Array([0.5]));
    expect(one.foreground.length).toBe(3);
  });

  it("reports progress in the foreground phase, ending at 1, and honours an aborted signal", async () => {
    const s = scene(40, 30, 8);
    const seen: Progress[] = [];
    await matting.estimateForeground({ width: 40, height: 30, data: s.image }, s.alpha, { onProgress: (p) => seen.push(p) });
    expect(seen.every((p) => p.phase === "foreground")).toBe(true);
    expect(seen.at(-1)?.fraction).toBe(1);
    const controller = new AbortController();
    controller.abort();
    await expect(matting.estimateForeground({ width: 40, height: 30, data: s.image }, s.alpha, { signal: controller.signal }))
      .rejects.toMatchObject({ code: "ABORTED" });
  });

  it("rejects bad alphas and options with their codes", async () => {
    const image = { width: 4, height: 3, data: new Uint8Array(36) };
    const reject = async (alpha: unknown, code: string, options?: unknown) => {
      const error = await matting.estimateForeground(image, alpha as never, options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MattingError);
      expect((error as MattingError).code).toBe(code);
    };
    await reject(new Float32Array(11), "SIZE_MISMATCH");
    await reject({ width: 3, height: 4, data: new Uint8Array(12) }, "SIZE_MISMATCH");
    await reject(new Float32Array(12).fill(1.5), "INVALID_VALUE");
    await reject(new Float32Array(12).fill(Number.NaN), "INVALID_VALUE");
    await reject([0.5], "INVALID_INPUT");
    await reject(new Float32Array(12), "INVALID_OPTION", { regularization: 0 });
    await reject(new Float32Array(12), "INVALID_OPTION", { gradientWeight: -1 });
    await reject(new Float32Array(12), "INVALID_OPTION", { smallIterations: 1.5 });
    await reject(new Float32Array(12), "INVALID_OPTION", { smallSize: 0 });
  });
});

describe("estimateForeground option bounds", () => {
  it("rejects regularization and gradientWeight where the f32 kernel fails (NaN or zeros), naming the range", async () => {
    const image = { width: 4, height: 3, data: new Uint8Array(36) };
    const alpha = new Float32Array(12).fill(0.5);
    for (const options of [{ regularization: 1e-40 }, { regularization: 1e-9 }, { regularization: 1e-5 }, { regularization: 1e19 },
      { regularization: 1e38 }, { gradientWeight: 1e38 }, { gradientWeight: 1e19 }, { regularization: Number.NaN }]) {
      const error = await matting.estimateForeground(image, alpha, options).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(MattingError);
      expect((error as MattingError).code).toBe("INVALID_OPTION");
      expect((error as MattingError).message).toMatch(/from (0|0\.0001) to 1000000000000/);
    }
  });

  it("stays within a quarter of an 8-bit level of the f64 reference at the ends of the ranges, on flat fractional alpha", async () => {
    const width = 24, height = 18, n = width * height;
    const next = random(21);
    const image = Float32Array.from({ length: n * 3 }, () => Math.fround(next()));
    const alpha = Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0.5 : Math.fround(next())));
    for (const [regularization, gradientWeight] of [[1e-4, 0], [1e-4, 0.1], [1e12, 0], [1e-4, 1e12], [1e12, 1e12]]) {
      const options = { regularization, gradientWeight, smallIterations: 10, bigIterations: 2, smallSize: 32 };
      const reference = referenceForeground(Float64Array.from(image), Float64Array.from(alpha), width, height, options);
      const { foreground, background } = await matting.estimateForeground({ width, height, data: image }, alpha, options);
      let worst = 0;
      for (let i = 0; i < 3 * n; i++) {
        worst = Math.max(worst, Math.abs(foreground[i] - reference.foreground[i]), Math.abs(background[i] - reference.background[i]));
      }
      expect(worst, `regularization ${regularization}, gradientWeight ${gradientWeight}`).toBeLessThan(1e-3);
    }
  });
});

describe("matte", () => {
  it("gives alpha, foreground and background in one call with one progress stream", async () => {
    const width = 40, height = 30;
    const s = scene(width, height, 11);
    const trimap = Uint8Array.from(s.alpha, (a) => (a >= 1 ? 255 : a <= 0 ? 0 : 128));
    const fractions: number[] = [];
    const phases = new Set<string>();
    const result = await matting.matte({ width, height, data: s.image }, { width, height, data: trimap }, {
      onProgress: (p) => { fractions.push(p.fraction); phases.add(p.phase); },
    });
    expect(result.alpha.length).toBe(width * height);
    expect(result.foreground.length).toBe(width * height * 3);
    expect(result.stats.milliseconds.foreground).toBeGreaterThanOrEqual(0);
    expect(phases.has("foreground")).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    const alone = await matting.estimateForeground({ width, height, data: s.image }, result.alpha);
    expect(result.foreground).toEqual(alone.foreground);
  });

  it("checks foreground options before solving for alpha", async () => {
    const error = await matting.matte({ width: 4, height: 4, data: new Uint8Array(48) }, { width: 4, height: 4, data: new Uint8Array(16) },
      { bigIterations: 0 }).catch((e: unknown) => e);
    expect((error as MattingError).code).toBe("INVALID_OPTION");
  });
});

describe("engine memory", () => {
  it("stays flat over repeated foreground, compositing and trimap calls, failed ones included", async () => {
    const m = await createMatting({ module: await compiledModule() });
    const s = scene(90, 70, 13);
    const image = { width: 90, height: 70, data: s.image };
    const mask = { width: 90, height: 70, data: Uint8Array.from(s.alpha, (a) => (a > 0.5 ? 255 : 0)) };
    const bad = Float32Array.from(s.alpha, (a, i) => (i === 6000 ? Number.NaN : a));
    const round = async () => {
      const { foreground } = await m.estimateForeground(image, s.alpha);
      await m.cutout({ width: 90, height: 70, data: foreground }, s.alpha);
      await m.composite({ width: 90, height: 70, data: foreground }, s.alpha, image);
      await m.trimapFromMask(mask, { foreground: 3, background: 3 });
      await m.trimapFromAlpha({ width: 90, height: 70, data: s.alpha }, { band: 2 });
      await m.trimapStats(mask);
      // Fails after the image has been copied in: the arena must still be released.
      await expect(m.estimateForeground(image, bad)).rejects.toMatchObject({ code: "INVALID_VALUE" });
      await expect(m.composite(image, bad, "#000")).rejects.toMatchObject({ code: "INVALID_VALUE" });
    };
    await round();
    const bytes = m.wasmMemoryBytes;
    const first = await m.estimateForeground(image, s.alpha);
    for (let i = 0; i < 10; i++) await round();
    expect(m.wasmMemoryBytes).toBe(bytes);
    expect((await m.estimateForeground(image, s.alpha)).foreground).toEqual(first.foreground);
  });
});
