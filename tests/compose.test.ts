// Cutouts and composites against the formulas they document, byte for byte.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { compiledModule, random } from "./helpers.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

/** byte = floor(255 v + 1/2) for v clamped to [0, 1], in f64 as the kernels compute it. */
const toByte = (v: number) => Math.floor(Math.min(1, Math.max(0, v)) * 255 + 0.5);

function randomScene(width: number, height: number, seed: number) {
  const next = random(seed);
  const n = width * height;
  const foreground = Float32Array.from({ length: n * 3 }, () => next());
  // Plenty of exact 0 and 1 besides soft values.
  const alpha = Float32Array.from({ length: n }, () => { const u = next(); return u < 0.2 ? 0 : u < 0.4 ? 1 : next(); });
  return { width, height, foreground, alpha };
}

describe("cutout", () => {
  it("gives straight RGBA: RGB = round(255 F), A = round(255 a)", async () => {
    const s = randomScene(13, 7, 1);
    const out = await matting.cutout({ width: 13, height: 7, data: s.foreground }, s.alpha);
    expect(out.width).toBe(13);
    expect(out.data).toBeInstanceOf(Uint8ClampedArray);
    for (let i = 0; i < 13 * 7; i++) {
      for (let c = 0; c < 3; c++) expect(out.data[4 * i + c]).toBe(toByte(s.foreground[3 * i + c]));
      expect(out.data[4 * i + 3]).toBe(toByte(s.alpha[i]));
    }
  });

  it("gives premultiplied RGBA on request: RGB = round(255 a F)", async () => {
    const s = randomScene(9, 9, 2);
    const out = await matting.cutout({ width: 9, height: 9, data: s.foreground }, s.alpha, { premultiplied: true });
    for (let i = 0; i < 81; i++) {
      for (let c = 0; c < 3; c++) expect(out.data[4 * i + c]).toBe(toByte(s.alpha[i] * s.foreground[3 * i + c]));
      expect(out.data[4 * i + 3]).toBe(toByte(s.alpha[i]));
    }
  });

  it("keeps 8-bit foreground and alpha bytes exactly (RGBA foreground, alpha as an 8-bit matte)", async () => {
    const next = random(3);
    const rgba = Uint8Array.from({ length: 6 * 5 * 4 }, () => Math.floor(next() * 256));
    const alpha = Uint8Array.from({ length: 30 }, () => Math.floor(next() * 256));
    const out = await matting.cutout({ width: 6, height: 5, data: rgba }, { width: 6, height: 5, data: alpha });
    for (let i = 0; i < 30; i++) {
      expect([...out.data.subarray(4 * i, 4 * i + 3)]).toEqual([...rgba.subarray(4 * i, 4 * i + 3)]);
      expect(out.data[4 * i + 3]).toBe(alpha[i]);
    }
  });
});

describe("composite", () => {
  it("over a colour is round(255 (a F + (1 - a) G)), for [r, g, b] and hex colours alike", async () => {
    const s = randomScene(11, 8, 4);
    const image = { width: 11, height: 8, data: s.foreground };
    const colour = [30, 200, 77] as const;
    const out = await matting.composite(image, s.alpha, colour);
    for (let i = 0; i < 88; i++) {
      const a = s.alpha[i];
      for (let c = 0; c < 3; c++) {
        expect(out.data[4 * i + c]).toBe(toByte(a * s.foreground[3 * i + c] + (1 - a) * (colour[c] * (1 / 255))));
      }
      expect(out.data[4 * i + 3]).toBe(255);
    }
    expect((await matting.composite(image, s.alpha, "#1EC84D")).data).toEqual(out.data);
    expect((await matting.composite(image, s.alpha, "#fff")).data).toEqual((await matting.composite(image, s.alpha, [255, 255, 255])).data);
  });

  it("round-trips through an 8-bit cutout exactly: composite(cutout) = composite(foreground, alpha)", async () => {
    const next = random(5);
    const width = 10, height = 10, n = 100;
    const foreground = Uint8Array.from({ length: n * 3 }, () => Math.floor(next() * 256));
    const alpha = Float32Array.from({ length: n }, () => Math.floor(next() * 256) / 255);
    const rgba = await matting.cutout({ width, height, data: foreground }, alpha);
    const cutoutAlpha = Uint8Array.from({ length: n }, (_, i) => rgba.data[4 * i + 3]);
    const viaCutout = await matting.composite(rgba, { width, height, data: cutoutAlpha }, [12, 34, 56]);
    const direct = await matting.composite({ width, height, data: foreground }, alpha, [12, 34, 56]);
    expect(viaCutout.data).toEqual(direct.data);
    // Opaque pixels show the foreground bytes, clear ones the colour.
    for (let i = 0; i < n; i++) {
      if (alpha[i] === 1) expect([...direct.data.subarray(4 * i, 4 * i + 3)]).toEqual([...foreground.subarray(3 * i, 3 * i + 3)]);
      if (alpha[i] === 0) expect([...direct.data.subarray(4 * i, 4 * i + 3)]).toEqual([12, 34, 56]);
    }
  });

  it("over an image of one colour equals the composite over that colour; over an image uses each pixel", async () => {
    const s = randomScene(7, 6, 6);
    const image = { width: 7, height: 6, data: s.foreground };
    const plain = new Uint8Array(7 * 6 * 3);
    for (let i = 0; i < 42; i++) plain.set([90, 10, 250], 3 * i);
    const overImage = await matting.composite(image, s.alpha, { width: 7, height: 6, data: plain });
    expect(overImage.data).toEqual((await matting.composite(image, s.alpha, [90, 10, 250])).data);

    const next = random(7);
    const background = Float32Array.from({ length: 42 * 3 }, () => next());
    const out = await matting.composite(image, s.alpha, { width: 7, height: 6, data: background });
    for (let i = 0; i < 42; i++) {
      for (let c = 0; c < 3; c++) {
        expect(out.data[4 * i + c]).toBe(toByte(s.alpha[i] * s.foreground[3 * i + c] + (1 - s.alpha[i]) * background[3 * i + c]));
      }
    }
  });

  it("rejects bad backgrounds and alphas with their codes", async () => {
    const image = { width: 4, height: 3, data: new Uint8Array(36) };
    const alpha = new Float32Array(12);
    const code = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof MattingError ? e.code : String(e)));
    expect(await code(matting.composite(image, alpha, { width: 3, height: 4, data: new Uint8Array(36) }))).toBe("SIZE_MISMATCH");
    expect(await code(matting.composite(image, alpha, "reddish"))).toBe("INVALID_INPUT");
    expect(await code(matting.composite(image, alpha, [0, 0, 256] as never))).toBe("INVALID_INPUT");
    expect(await code(matting.composite(image, alpha, [0, 0] as never))).toBe("INVALID_INPUT");
    expect(await code(matting.composite(image, new Float32Array(13), "#000000"))).toBe("SIZE_MISMATCH");
    expect(await code(matting.cutout(image, alpha, { premultiplied: "yes" } as never))).toBe("INVALID_OPTION");
    expect(await code(matting.cutout(image, new Float32Array(12).fill(-0.5)))).toBe("INVALID_VALUE");
  });

  it("accepts CSS colour names in any case, the same as their hex", async () => {
    const s = randomScene(5, 4, 7);
    const image = { width: 5, height: 4, data: s.foreground };
    const byHex = await matting.composite(image, s.alpha, "#663399");
    expect((await matting.composite(image, s.alpha, "rebeccapurple")).data).toEqual(byHex.data);
    expect((await matting.composite(image, s.alpha, " RebeccaPurple ")).data).toEqual(byHex.data);
    expect((await matting.composite(image, s.alpha, "red")).data).toEqual((await matting.composite(image, s.alpha, [255, 0, 0])).data);
  });

  it("rejects every other background form with INVALID_INPUT naming the accepted forms, never a raw TypeError", async () => {
    const image = { width: 4, height: 3, data: new Uint8Array(36) };
    const alpha = new Float32Array(12);
    const throwing = [0, 0, 0];
    Object.defineProperty(throwing, 1, { get() { throw new Error("getter"); } });
    const backgrounds: unknown[] = [[Symbol("r"), 0, 0], [0n, 0, 0], [Number.NaN, 0, 0], [{}, 0, 0], throwing, Symbol("bg"), 5, null,
      undefined, true, () => 0, new Uint8Array([1, 2, 3]), "#12345", "", "#ggg"];
    for (const background of backgrounds) {
      const error = await matting.composite(image, alpha, background as never).catch((e: unknown) => e);
      expect(error, String(typeof background)).toBeInstanceOf(MattingError);
      expect((error as MattingError).code).toBe("INVALID_INPUT");
      expect((error as MattingError).message).toMatch(/CSS colour name|could not be read/);
    }
  });
});
