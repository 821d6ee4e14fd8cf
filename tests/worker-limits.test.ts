// The worker example's checks before decoding (examples/worker/png-header.js, limits.js), in Node: PNG headers of
// every colour type and depth read right, the inflated size predicted to the byte (interlaced or not), deflate
// bombs stopped early, and the pixel cap the headers are held to refusing only what the engine itself would.
import { encode } from "fast-png";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { createMatting, MattingError } from "../dist/entry/node.js";
import { MAX_PIXELS, MAX_WASM_BYTES } from "../examples/worker/limits.js";
import { checkInflatedSize, inflatedBytes, readPngHeader } from "../examples/worker/png-header.js";
import { blackBitmapPng, pngWithData } from "./png-bytes.js";

const MiB = 1024 * 1024;

describe("worker PNG header", () => {
  it.each([
    // [channels sharp is given, colour type written, palette]
    [1, 0, false],
    [2, 4, false],
    [3, 2, false],
    [4, 6, false],
    [3, 3, true],
  ] as const)("reads %i-channel PNGs (colour type %i), 8 and 16 bits, plain and interlaced; inflated size exact", async (channels, colourType, palette) => {
    for (const [width, height] of [[1, 1], [7, 3], [13, 9], [64, 17]]) {
      for (const depth of palette ? [8] : [8, 16]) {
        for (const progressive of [false, true]) {
          const raw = Buffer.from(Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256));
          const png = await sharp(raw, { raw: { width, height, channels } })
            .toColourspace(depth === 16 ? (channels <= 2 ? "grey16" : "rgb16") : channels <= 2 ? "b-w" : "srgb")
            .png({ progressive, palette, compressionLevel: 9 })
            .toBuffer();
          const header = readPngHeader(png);
          expect(header).toMatchObject({ width, height, colourType, interlaced: progressive, bitDepth: palette ? header.bitDepth : depth });
          expect(await checkInflatedSize(png, header)).toBe(inflatedBytes(header));
        }
      }
    }
  });

  it("reads 1, 2 and 4-bit grey headers and predicts their packed rows", async () => {
    for (const bitDepth of [1, 2, 4]) {
      for (const interlace of [0, 1]) {
        const header = { width: 11, height: 5, bitDepth, colourType: 0, interlace };
        const rowBytes = 1 + Math.ceil((11 * bitDepth) / 8);
        const expected = interlace === 0 ? 5 * rowBytes : inflatedBytes({ ...header, channels: 1, interlaced: true });
        const png = pngWithData(header, new Uint8Array(expected));
        expect(readPngHeader(png)).toMatchObject({ width: 11, height: 5, bitDepth, channels: 1, interlaced: interlace === 1 });
        expect(await checkInflatedSize(png, readPngHeader(png))).toBe(expected);
      }
    }
    // Adam7 on a 1x1 image has one pass of one row (spec 8.2): a filter byte and one sample byte.
    expect(inflatedBytes({ width: 1, height: 1, bitDepth: 8, channels: 1, interlaced: true })).toBe(2);
    expect(readPngHeader(blackBitmapPng(16383, 16383))).toMatchObject({ width: 16383, height: 16383, bitDepth: 1, colourType: 0 });
  });

  it("agrees with fast-png's encoder on the header fields", () => {
    const png = encode({ width: 5, height: 4, data: new Uint16Array(5 * 4 * 2), channels: 2, depth: 16 });
    expect(readPngHeader(png)).toEqual({ width: 5, height: 4, bitDepth: 16, colourType: 4, channels: 2, interlaced: false });
  });

  it("stops inflating a deflate bomb soon after the header's size, holding little memory", async () => {
    const header = { width: 64, height: 64, bitDepth: 8, colourType: 0 };
    const bomb = pngWithData(header, new Uint8Array(128 * MiB));
    expect(bomb.length).toBeLessThan(MiB);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    await expect(checkInflatedSize(bomb, readPngHeader(bomb))).rejects.toThrow(/inflates to more than the 4160 bytes its 64x64 header allows/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MiB);
  });

  it("says what is wrong with a file that is not a whole PNG", async () => {
    const good = blackBitmapPng(8, 8);
    expect(() => readPngHeader(new Uint8Array([0xff, 0xd8, 0xff]))).toThrow(/does not start with the PNG signature/);
    expect(() => readPngHeader(good.subarray(0, 32))).toThrow(/header is truncated \(32 bytes; a PNG header has 33\)/);
    const corrupt = (offset: number, value: number) => Buffer.from(good).fill(value, offset, offset + 1);
    expect(() => readPngHeader(corrupt(15, 0x61))).toThrow(/first chunk is not a 13-byte IHDR/);
    expect(() => readPngHeader(corrupt(25, 5))).toThrow(/invalid colour type 5/);
    expect(() => readPngHeader(corrupt(24, 16).fill(3, 25, 26))).toThrow(/bit depth 16, invalid for palette/);
    expect(() => readPngHeader(corrupt(28, 2))).toThrow(/unknown compression, filter or interlace method/);
    expect(() => readPngHeader(corrupt(16, 0x80))).toThrow(/invalid size/);
    await expect(checkInflatedSize(good.subarray(0, 45), readPngHeader(good))).rejects.toThrow(/IDAT chunk is truncated/);
    await expect(checkInflatedSize(good.subarray(0, 33), readPngHeader(good))).rejects.toThrow(/no image data/);
  });
});

describe("worker pixel cap", () => {
  // The headers are held to MAX_PIXELS so that nothing the engine could matte is refused, and nothing it must
  // refuse is inflated: just above the cap the engine says TOO_LARGE, a little below it it mattes.
  it("refuses no image the worker's engine could matte, and lets through all but a few per cent of what it can", async () => {
    const engine = await createMatting({ maxMemoryBytes: MAX_WASM_BYTES });
    const width = 2048;
    const photo = (pixels: number) => {
      const height = Math.ceil(pixels / width);
      return { image: { width, height, data: new Uint8Array(width * height * 3).fill(120) }, height };
    };
    const over = photo(MAX_PIXELS + 1);
    const refusal = await engine.estimateAlpha(over.image, { width, height: over.height, data: new Uint8Array(width * over.height).fill(255) }).catch((error) => error);
    expect(refusal).toBeInstanceOf(MattingError);
    expect(refusal.code).toBe("TOO_LARGE");

    const under = photo(MAX_PIXELS * 0.95);
    // Everything known: the least memory an image of this size can take.
    const labels = new Uint8Array(width * under.height).map((_, p) => (p % width < width / 2 ? 255 : 0));
    const { stats } = await engine.estimateAlpha(under.image, { width, height: under.height, data: labels });
    expect(stats.peakBytes).toBeLessThanOrEqual(MAX_WASM_BYTES);
    engine.close();
  });
});
