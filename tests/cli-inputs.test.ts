// The built command line as a new user meets it: colour names for --background, a warning for lossy trimaps
// and masks, and a size mismatch that an EXIF orientation tag explains.
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { colourNames, parseColour } from "../dist/cli/colours.js";
import { file, lines, pic, raw, runCli, useTempDir, W, H, writeTrimap } from "./cli-helpers.js";

useTempDir();
beforeAll(async () => {
  await raw(pic.rgb, W, H, 3).png().toFile(file("photo.png"));
  await writeTrimap("trimap.png", pic.trimap, W, H);
});

describe("matting CLI: --background colours", () => {
  it("knows the 148 CSS named colours, each as sharp's own colour parser reads it", async () => {
    const names = colourNames();
    expect(new Set(names).size).toBe(148);
    for (const name of names) {
      const swatch = await sharp({ create: { width: 1, height: 1, channels: 3, background: name } }).raw().toBuffer();
      expect([name, parseColour(name)]).toEqual([name, [...swatch]]);
      expect(parseColour(name.toUpperCase())).toEqual([...swatch]);
    }
  });

  it("reads #rgb, #rrggbb, r,g,b and rgb(r, g, b), and nothing else", () => {
    expect(parseColour("#3a7")).toEqual([0x33, 0xaa, 0x77]);
    expect(parseColour("#4682B4")).toEqual([70, 130, 180]);
    expect(parseColour(" 10, 200,30 ")).toEqual([10, 200, 30]);
    expect(parseColour("rgb(10, 200, 30)")).toEqual([10, 200, 30]);
    expect(parseColour("RGB(0,0,255)")).toEqual([0, 0, 255]);
    for (const text of ["rgb(10, 200)", "rgb(256, 0, 0)", "300,0,0", "#12345", "steelbleu", "red.png", "", "rgba(1, 2, 3, 4)"]) {
      expect([text, parseColour(text)]).toEqual([text, undefined]);
    }
  });

  it("--background steelblue and rgb(10, 200, 30) composite as their numeric spellings do", async () => {
    const runs = [["steelblue", "named"], ["#4682b4", "hex"], ["rgb(10, 200, 30)", "function"], ["10,200,30", "triple"]];
    const results = await Promise.all(runs.map(([colour, name]) =>
      runCli([file("photo.png"), file("trimap.png"), "-q", "--background", colour, "--composite", file(`${name}.png`)])));
    for (const result of results) expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await readFile(file("named.png"))).toEqual(await readFile(file("hex.png")));
    expect(await readFile(file("function.png"))).toEqual(await readFile(file("triple.png")));
    expect(await readFile(file("named.png"))).not.toEqual(await readFile(file("triple.png")));
  });
});

/** Trimap pixels a lossy format moved off 0 or 255 by at most 16 levels: read as unknown instead of sure. */
async function nearlySure(path: string): Promise<number> {
  const values = await sharp(path).extractChannel(0).raw().toBuffer();
  return values.filter((v) => (v > 0 && v <= 16) || (v < 255 && v >= 239)).length;
}

describe("matting CLI: lossy trimaps and masks are read with a warning", () => {
  beforeAll(async () => {
    const trimap = () => raw(pic.trimap, W, H, 1).toColourspace("b-w");
    // Qualities at which compression moves some sure pixels but leaves the trimap some of both kinds.
    await trimap().jpeg({ quality: 80 }).toFile(file("trimap.jpg"));
    await trimap().webp({ quality: 80 }).toFile(file("lossy.webp"));
    await trimap().webp({ lossless: true }).toFile(file("lossless.webp"));
    await raw(pic.trimap.map((v) => (v === 0 ? 0 : 255)), W, H, 1).toColourspace("b-w").jpeg({ quality: 80 }).toFile(file("mask.jpg"));
  });

  it("a JPEG trimap: a warning on stderr that counts the sure pixels turned unknown; --json stdout stays one object", async () => {
    const result = await runCli([file("photo.png"), file("trimap.jpg"), "--alpha", file("from-jpeg.png"), "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const unknownInPng = pic.trimap.filter((v) => v === 128).length;
    const moved = await nearlySure(file("trimap.jpg"));
    expect(moved).toBeGreaterThan(0);
    expect(report.stats.unknownPixels).toBe(unknownInPng + moved);
    expect(lines(result.stderr)).toEqual([
      `matting: warning: ${file("trimap.jpg")}: the trimap is JPEG, a lossy format: ${moved} pixels within 16 levels of 0 or 255 ` +
      "are read as unknown rather than as sure background or foreground; save trimaps as PNG",
    ]);
  });

  it("a lossy WebP trimap and a JPEG mask are warned of, a lossless WebP is not, and --quiet says nothing", async () => {
    const common = [file("photo.png")];
    const [lossy, lossless, mask, quiet] = await Promise.all([
      runCli([...common, file("lossy.webp"), "--alpha", file("webp-a.png")]),
      runCli([...common, file("lossless.webp"), "--alpha", file("webp-b.png"), "--json"]),
      runCli([...common, "--mask", file("mask.jpg"), "--trimap-out", file("mask-t.png"), "--json"]),
      runCli([...common, file("trimap.jpg"), "--alpha", file("quiet.png"), "-q"]),
    ]);
    for (const result of [lossy, lossless, mask, quiet]) expect(result.code).toBe(0);
    expect(lines(lossy.stderr)).toHaveLength(1);
    expect(lossy.stderr).toContain(`matting: warning: ${file("lossy.webp")}: the trimap is lossy WebP, a lossy format: `);
    expect(lossless.stderr).toBe("");
    expect(lines(mask.stderr)).toEqual([
      `matting: warning: ${file("mask.jpg")}: the mask is JPEG, a lossy format: compression noise can move its edge ` +
      "(where it crosses the half-way level); save masks as PNG",
    ]);
    expect(quiet).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

describe("matting CLI: a size mismatch explained by an EXIF orientation tag", () => {
  it("says the photo is turned upright by its tag, and how to fix the trimap", async () => {
    // Stored W x H, shown a quarter turn clockwise (orientation 6): upright it is H x W.
    await raw(pic.rgb, W, H, 3).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file("turned.jpg"));
    const result = await runCli([file("turned.jpg"), file("trimap.png"), "--alpha", file("never.png")]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `matting: ${file("trimap.png")}: trimap is ${W}x${H} but the image is ${H}x${W}: the image is stored as ${W}x${H} and turned ` +
      "upright by its EXIF orientation tag (6), while the trimap matches it as stored; turn the trimap the same way, " +
      "or remove the image's orientation tag (SIZE_MISMATCH)",
    ]);
  });
});
