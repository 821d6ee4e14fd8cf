// The built command line, run as a user would: image formats, the bundled lemur, --json and reporting.
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { matte } from "../dist/entry/node.js";
import { useTempDir, runCli, file, lines, readAlphaPng, maxLevelDifference, W, raw, pic, trimapPath, writeTrimap, referenceAlpha, H } from "./cli-helpers.js";

useTempDir();
describe("matting CLI: image formats", () => {
  beforeAll(async () => {
    await writeTrimap("trimap.png", pic.trimap, W, H);
  });

  async function matteOf(imagePath: string, extra: string[] = []) {
    const out = `${imagePath}.alpha.png`;
    const result = await runCli([imagePath, trimapPath(), "--alpha", out, "--quiet", ...extra]);
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    return readAlphaPng(out);
  }

  it("8-bit RGB and RGBA PNG give the library's alpha", async () => {
    const expected = await referenceAlpha(pic.rgb);
    await raw(pic.rgb, W, H, 3).png().toFile(file("rgb.png"));
    const rgba = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++) rgba.set([...pic.rgb.subarray(i * 3, i * 3 + 3), 40 + (i % 200)], i * 4);
    await raw(rgba, W, H, 4).png().toFile(file("rgba.png"));
    for (const name of ["rgb.png", "rgba.png"]) {
      const got = await matteOf(file(name));
      expect([got.width, got.height]).toEqual([W, H]);
      expect(maxLevelDifference(got.data, expected)).toBeLessThanOrEqual(0.5 + 1e-3);
    }
  });

  it("grey and grey+alpha PNG are read as grey RGB", async () => {
    const grey = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) grey[i] = Math.round((pic.rgb[i * 3] + pic.rgb[i * 3 + 1] + pic.rgb[i * 3 + 2]) / 3);
    const expected = await referenceAlpha(Uint8Array.from({ length: W * H * 3 }, (_, k) => grey[Math.floor(k / 3)]));
    await raw(grey, W, H, 1).toColourspace("b-w").png().toFile(file("grey.png"));
    const greyAlpha = Uint8Array.from({ length: W * H * 2 }, (_, k) => (k % 2 === 0 ? grey[k / 2] : 255 - (k % 97)));
    await raw(greyAlpha, W, H, 2).toColourspace("b-w").png().toFile(file("grey-alpha.png"));
    for (const name of ["grey.png", "grey-alpha.png"]) {
      expect((await sharp(file(name)).metadata()).channels).toBe(name === "grey.png" ? 1 : 2);
      const got = await matteOf(file(name));
      expect(maxLevelDifference(got.data, expected)).toBeLessThanOrEqual(0.5 + 1e-3);
    }
  });

  it("palette PNG is expanded to its colours", async () => {
    // Few colours, so the palette holds them exactly: a hard-edged four-level blend.
    const few = Uint8Array.from(pic.rgb, (v) => Math.round(v / 85) * 85);
    await raw(few, W, H, 3).png({ palette: true, colours: 256, dither: 0 }).toFile(file("palette.png"));
    const meta = await sharp(file("palette.png")).metadata();
    expect(meta.isPalette).toBe(true);
    const decoded = await sharp(file("palette.png")).removeAlpha().raw().toBuffer();
    expect(new Uint8Array(decoded)).toEqual(few);
    const got = await matteOf(file("palette.png"));
    expect(maxLevelDifference(got.data, await referenceAlpha(few))).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("16-bit PNG keeps the precision that 8 bits would lose", async () => {
    // Foreground and background one 8-bit level apart: only the 16-bit samples still carry the blend.
    const width = 40, height = 12;
    const F = [0.52, 0.47, 0.61], B = [0.516, 0.472, 0.606];
    const samples = new Uint16Array(width * height * 3);
    const trimap = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const t = Math.min(1, Math.max(0, (x - 12) / 16));
        const a = 1 - t * t * (3 - 2 * t);
        for (let c = 0; c < 3; c++) samples[i * 3 + c] = Math.round((a * F[c] + (1 - a) * B[c]) * 65535);
        trimap[i] = x < 10 ? 255 : x >= 30 ? 0 : 128;
      }
    }
    await raw(samples, width, height, 3).toColourspace("rgb16").png().toFile(file("rgb16.png"));
    expect((await sharp(file("rgb16.png")).metadata()).depth).toBe("ushort");
    const trimap16 = await writeTrimap("trimap16-source.png", trimap, width, height);
    const out = file("rgb16-alpha.png");
    const result = await runCli([file("rgb16.png"), trimap16, "--alpha", out, "--quiet"]);
    expect(result.code).toBe(0);
    const got = await readAlphaPng(out);
    const precise = await referenceAlpha(Float32Array.from(samples, (v) => v / 65535), width, height, trimap);
    const eightBit = await referenceAlpha(Uint8Array.from(samples, (v) => Math.round(v / 257)), width, height, trimap);
    expect(maxLevelDifference(got.data, precise)).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(maxLevelDifference(got.data, eightBit)).toBeGreaterThan(50);
  });

  it("16-bit trimap: 0 background, 65535 foreground, others unknown", async () => {
    const trimap16 = Uint16Array.from(pic.trimap, (v) => (v === 255 ? 65535 : v === 0 ? 0 : 1000));
    await raw(trimap16, W, H, 1).toColourspace("grey16").png().toFile(file("trimap16.png"));
    await raw(pic.rgb, W, H, 3).png().toFile(file("rgb-for-16.png"));
    const out = file("trimap16-alpha.png");
    expect((await runCli([file("rgb-for-16.png"), file("trimap16.png"), "-a", out, "-q"])).code).toBe(0);
    expect(maxLevelDifference((await readAlphaPng(out)).data, await referenceAlpha(pic.rgb))).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("JPEG with EXIF orientation 6 is matted upright", async () => {
    // Stored sideways (rotated a quarter turn anticlockwise), tagged to be shown a quarter turn clockwise.
    await raw(pic.rgb, W, H, 3).rotate(-90).jpeg({ quality: 100, chromaSubsampling: "4:4:4" })
      .withMetadata({ orientation: 6 }).toFile(file("photo.jpg"));
    const meta = await sharp(file("photo.jpg")).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([H, W, 6]);
    const got = await matteOf(file("photo.jpg"));
    expect([got.width, got.height]).toEqual([W, H]);
    const expected = await referenceAlpha(pic.rgb);
    let sum = 0;
    for (let i = 0; i < W * H; i++) sum += Math.abs(got.data[i] / 255 - expected[i]);
    expect(sum / (W * H)).toBeLessThan(0.02);
  });
});

describe("matting CLI: the bundled lemur, --json and reporting", () => {
  it("mattes examples/lemur.png and prints one JSON object", async () => {
    const out = file("lemur-alpha.png");
    const result = await runCli(["examples/lemur.png", "examples/lemur_trimap.png", "--alpha", out, "--json"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(lines(result.stdout)).toHaveLength(1);
    const report = JSON.parse(result.stdout);
    expect(report.outputs).toEqual({ alpha: out });
    expect(report.options).toMatchObject({ epsilon: 1e-7, radius: 1, tolerance: 1e-7, maxIterations: 20000 });
    for (const key of ["width", "height", "unknownPixels", "iterations", "residual", "converged", "milliseconds", "wasmMemoryBytes"]) {
      expect(report.stats).toHaveProperty(key);
    }
    expect(report.stats).toMatchObject({ width: 680, height: 440, converged: true });

    const alpha = await readAlphaPng(out);
    expect([alpha.width, alpha.height]).toEqual([680, 440]);
    const { data: trimap } = await sharp("examples/lemur_trimap.png").extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    let foreground = 0, opaque = 0, unknown = 0, soft = 0;
    for (let i = 0; i < trimap.length; i++) {
      if (trimap[i] === 255) {
        foreground++;
        if (alpha.data[i] === 255) opaque++;
      } else if (trimap[i] !== 0) {
        unknown++;
        if (alpha.data[i] > 10 && alpha.data[i] < 245) soft++;
      }
    }
    expect(unknown).toBe(report.stats.unknownPixels);
    expect(opaque / foreground).toBeGreaterThan(0.99);
    expect(soft / unknown).toBeGreaterThan(0.1);
  });

  it("prints a summary line without --quiet and nothing on a non-terminal stderr", async () => {
    const result = await runCli([file("rgb.png"), trimapPath(), "--alpha", file("summary.png"), "--radius", "2"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(lines(result.stdout)).toHaveLength(1);
    expect(result.stdout).toContain(`${W}x${H} alpha`);
  });

  it("warns on stderr when the solver stops at --max-iterations, still writing the matte", async () => {
    const result = await runCli([file("rgb.png"), trimapPath(), "--alpha", file("capped.png"), "--json", "--max-iterations", "1"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).stats).toMatchObject({ iterations: 1, converged: false });
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain("warning");
    expect((await readAlphaPng(file("capped.png"))).width).toBe(W);
  });

  it("--help documents every flag, the trimap convention, exit codes and an example; --version", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe("");
    for (const text of ["--alpha", "--json", "--epsilon", "--radius", "--tolerance", "--max-iterations", "--quiet",
      "--help", "--version", "--foreground", "--cutout", "--composite", "--background COLOUR|IMAGE", "#rrggbb", "--mask",
      "--band", "--trimap-out", "--preconditioner", "jacobi or multigrid", "RGBA", "--mask M.png", "0 = surely background", "255", "Exit status", "130", "Example", "16-bit", "EXIF",
      "--max-pixels N", "(default 100000000, 100 million)", "143", "SIGTERM", "all or nothing", "steelblue", "rgb(r, g, b)", "lossy", "/dev/zero"]) {
      expect(help.stdout).toContain(text);
    }
    const version = await runCli(["--version"]);
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    expect(version).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: "" });
  });
});
