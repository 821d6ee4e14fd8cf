// Inputs as users hold them: 16-bit images, trimaps, masks and alphas (Uint16Array), and trimaps, masks and
// alphas with three channels (what decoders give for grey palette PNGs). Kernels against their plain references,
// then every operation against its 8-bit, one-channel twin.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../dist/engine.js";
import { createMatting, type Matting } from "../dist/entry/node.js";
import { compiledModule, makeEngine, random } from "./helpers.js";
import { labelsFrom16, maskFrom16, paddedFrom16, planeFrom16, rgbFrom16 } from "./reference/convert16.js";
import { randomTrimap, smoothImage } from "./synthetic.js";

let engines: Engine[];
let matting: Matting;
beforeAll(async () => {
  engines = [await makeEngine("release"), await makeEngine("scalar")];
  matting = await createMatting({ module: await compiledModule() });
});

/** Samples weighted towards the values the kernels treat specially. */
const sample16 = fc.oneof(fc.constantFrom(0, 1, 32767, 32768, 65534, 65535), fc.integer({ min: 0, max: 65535 }));
const planes16 = fc.record({ pixels: fc.integer({ min: 1, max: 70 }), channels: fc.constantFrom(1, 3, 4) })
  .chain(({ pixels, channels }) => fc.record({
    pixels: fc.constant(pixels), channels: fc.constant(channels),
    samples: fc.array(sample16, { minLength: pixels * channels, maxLength: pixels * channels }),
  }));

describe("16-bit conversion kernels", () => {
  it("match their plain references on random samples, 1, 3 and 4 channels (release and scalar)", async () => {
    await fc.assert(fc.asyncProperty(planes16, async ({ pixels, channels, samples }) => {
      const src = Uint16Array.from(samples);
      for (const engine of engines) {
        await engine.run((arena) => {
          const k = engine.kernels;
          const raw = arena.copyIn(src);
          const out = arena.alloc(pixels * 24);
          const counts = arena.alloc(12);
          if (channels >= 3) {
            k.imageFrom16(raw, pixels, channels, out);
            expect(arena.f64(out, pixels * 3)).toEqual(rgbFrom16(src, pixels, channels));
            k.paddedFrom16(raw, pixels, channels, out);
            expect(arena.f32(out, pixels * 4)).toEqual(paddedFrom16(src, pixels, channels));
          }
          k.planeFrom16(raw, pixels, channels, out);
          expect(arena.f32(out, pixels)).toEqual(planeFrom16(src, pixels, channels));
          k.maskFrom16(raw, pixels, channels, out);
          expect(arena.u8(out, pixels)).toEqual(maskFrom16(src, pixels, channels));
          k.labelsFromTrimap16(raw, pixels, channels, out, counts);
          const reference = labelsFrom16(src, pixels, channels);
          expect(arena.u8(out, pixels)).toEqual(reference.labels);
          expect([...arena.i32(counts, 3)]).toEqual(reference.counts);
        });
      }
    }), { seed: 16, numRuns: 60 });
  });
});

/** The 16-bit widening of 8-bit samples: v -> 257 v (0 -> 0, 255 -> 65535). */
const widen = (data: Uint8Array) => Uint16Array.from(data, (v) => v * 257);
/** One channel repeated `channels` times per pixel. */
const spread = <T extends Uint8Array | Uint16Array | Float32Array>(data: T, channels: number): T => {
  const out = new (data.constructor as new (length: number) => T)(data.length * channels);
  data.forEach((v, i) => out.fill(v as never, i * channels, (i + 1) * channels));
  return out;
};
const closeTo = (a: Float32Array, b: Float32Array, tolerance: number) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
};

describe("16-bit inputs through every operation", () => {
  const width = 19, height = 14;
  const image8 = smoothImage(width, height, 3);
  const trimap8 = randomTrimap(width, height, 4, 0.3);
  const image16 = { width, height, data: widen(image8.data) };
  const alpha8 = Uint8Array.from({ length: width * height }, (_, i) => (i * 37) % 256);

  it("estimateAlpha and matte: a 16-bit image and trimap give the 8-bit alpha (RGB and RGBA)", async () => {
    const expected = await matting.estimateAlpha(image8, trimap8, { tolerance: 1e-9 });
    const got = await matting.estimateAlpha(image16, { width, height, data: widen(trimap8.data) }, { tolerance: 1e-9 });
    closeTo(got.alpha, expected.alpha, 1e-5);
    const rgba = new Uint16Array(width * height * 4);
    image16.data.forEach((v, i) => { rgba[Math.floor(i / 3) * 4 + (i % 3)] = v; });
    const matted = await matting.matte({ width, height, data: rgba }, { width, height, data: widen(trimap8.data) }, { tolerance: 1e-9 });
    closeTo(matted.alpha, expected.alpha, 1e-5);
  });

  it("a 16-bit trimap reads 0 as background, 65535 as foreground and every other value as unknown", async () => {
    const data = new Uint16Array(width * height).fill(257);
    data[0] = 0;
    data[1] = 65535;
    data[2] = 65534;
    data[3] = 1;
    expect(await matting.trimapStats({ width, height, data })).toMatchObject({ background: 1, foreground: 1, unknown: width * height - 2 });
  });

  it("estimateForeground, cutout and composite take 16-bit images and alphas like their 8-bit twins", async () => {
    const alpha16 = { width, height, data: widen(alpha8) };
    const alphaMatte8 = { width, height, data: alpha8 };
    const colours8 = await matting.estimateForeground(image8, alphaMatte8);
    const colours16 = await matting.estimateForeground(image16, alpha16);
    closeTo(colours16.foreground, colours8.foreground, 1e-5);
    expect((await matting.cutout(image16, alpha16)).data).toEqual((await matting.cutout(image8, alphaMatte8)).data);
    expect((await matting.composite(image16, alpha16, image16)).data).toEqual((await matting.composite(image8, alphaMatte8, image8)).data);
  });

  it("trimapFromMask and trimapFromAlpha take 16-bit masks (inside from 32768) and alphas", async () => {
    const mask8 = Uint8Array.from({ length: width * height }, (_, i) => ((i % width) * 13 + Math.floor(i / width) * 7) % 256);
    const mask16 = Uint16Array.from(mask8, (v) => (v === 127 ? 32767 : v === 128 ? 32768 : v * 257));
    expect((await matting.trimapFromMask({ width, height, data: mask16 }, { foreground: 2, background: 1 })).data)
      .toEqual((await matting.trimapFromMask({ width, height, data: mask8 }, { foreground: 2, background: 1 })).data);
    expect((await matting.trimapFromAlpha({ width, height, data: widen(alpha8) }, { low: 0.1, high: 0.9, band: 1.5 })).data)
      .toEqual((await matting.trimapFromAlpha({ width, height, data: alpha8 }, { low: 0.1, high: 0.9, band: 1.5 })).data);
  });
});

describe("three-channel trimaps, masks and alphas", () => {
  const width = 17, height = 12;
  const image = smoothImage(width, height, 5);
  const trimap = randomTrimap(width, height, 6, 0.3);
  const next = random(7);
  const alpha = Float32Array.from({ length: width * height }, () => Math.fround(next()));
  const alpha8 = Uint8Array.from(alpha, (a) => Math.round(a * 255));

  it.each([["8-bit", (d: Uint8Array) => d], ["16-bit", widen]] as const)("%s: read by their first channel, as RGBA is", async (_, as) => {
    const one = { width, height, data: as(trimap.data) };
    const three = { width, height, data: spread(as(trimap.data), 3) };
    expect((await matting.estimateAlpha(image, three)).alpha).toEqual((await matting.estimateAlpha(image, one)).alpha);
    expect(await matting.trimapStats(three)).toEqual(await matting.trimapStats(one));
    const mask = { width, height, data: as(alpha8) };
    const mask3 = { width, height, data: spread(as(alpha8), 3) };
    expect((await matting.trimapFromMask(mask3)).data).toEqual((await matting.trimapFromMask(mask)).data);
    expect((await matting.trimapFromAlpha(mask3)).data).toEqual((await matting.trimapFromAlpha(mask)).data);
    expect((await matting.cutout(image, mask3)).data).toEqual((await matting.cutout(image, mask)).data);
    expect((await matting.estimateForeground(image, mask3)).foreground).toEqual((await matting.estimateForeground(image, mask)).foreground);
  });

  it("float alphas with three channels too", async () => {
    const three = { width, height, data: spread(alpha, 3) };
    expect((await matting.cutout(image, three)).data).toEqual((await matting.cutout(image, alpha)).data);
  });
});
