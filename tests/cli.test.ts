// The built command line, run as a user would: `node dist/cli/main.js` on files this test writes with sharp.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateAlpha, matte, trimapFromMask } from "../dist/entry/node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "matting-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], interruptAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    if (interruptAfterMs !== undefined) setTimeout(() => child.kill("SIGINT"), interruptAfterMs);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const file = (name: string) => join(dir, name);
const lines = (text: string) => text.split("\n").filter((line) => line.length > 0);

/** Reads an 8-bit PNG as written by the CLI, checking that it has `channels` channels. */
async function readPng(path: string, channels: 1 | 3 | 4) {
  const meta = await sharp(path).metadata();
  expect([meta.format, meta.channels, meta.depth]).toEqual(["png", channels, "uchar"]);
  // sharp expands grey to RGB on raw output unless told to keep the one channel.
  const decoder = channels === 1 ? sharp(path).extractChannel(0) : sharp(path);
  const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(channels);
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const readAlphaPng = (path: string) => readPng(path, 1);

function maxLevelDifference(got: Uint8Array, alpha: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - alpha[i] * 255));
  return worst;
}

// A soft edge between a warm foreground and a cool background, both varying smoothly, with an unknown band.
const W = 32, H = 24;
function scene(width = W, height = H) {
  const rgb = new Uint8Array(width * height * 3);
  const trimap = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const edge = width * 0.45 + 3 * Math.sin(y / 3);
      const a = Math.min(1, Math.max(0, (edge + 3 - x) / 6));
      const fg = [210 - 2 * y, 120 + x, 60];
      const bg = [40, 90 + 2 * y, 200 - x];
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(a * fg[c] + (1 - a) * bg[c]);
      trimap[i] = x < width * 0.3 ? 255 : x >= width * 0.7 ? 0 : 128;
    }
  }
  return { width, height, rgb, trimap };
}

const raw = (data: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4) =>
  sharp(data, { raw: { width, height, channels } });

const pic = scene();
const trimapPath = () => file("trimap.png");

async function writeTrimap(name: string, data: Uint8Array, width: number, height: number): Promise<string> {
  await raw(data, width, height, 1).toColourspace("b-w").png().toFile(file(name));
  return file(name);
}

async function referenceAlpha(data: Uint8Array | Float32Array, width = W, height = H, trimap = pic.trimap): Promise<Float32Array> {
  return (await estimateAlpha({ width, height, data }, { width, height, data: trimap })).alpha;
}

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
      "--band", "--trimap-out", "--preconditioner", "jacobi or multigrid", "RGBA", "--mask M.png", "0 = surely background", "255", "Exit status", "130", "Example", "16-bit", "EXIF"]) {
      expect(help.stdout).toContain(text);
    }
    const version = await runCli(["--version"]);
    const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    expect(version).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: "" });
  });
});

describe("matting CLI: foreground colours, cutout, composite and trimaps from masks", () => {
  // The scene's true colours, so the foreground PNG can be judged, not only compared.
  const trueForeground = (x: number, y: number) => [210 - 2 * y, 120 + x, 60];
  const green = [0x33, 0xaa, 0x77];
  // A mask of the scene's soft edge: inside where its alpha is at least a half.
  const edgeMask = Uint8Array.from({ length: W * H }, (_, i) => (i % W < W * 0.45 + 3 * Math.sin(Math.floor(i / W) / 3) + 0.01 ? 255 : 0));

  beforeAll(async () => {
    await raw(pic.rgb, W, H, 3).png().toFile(file("scene.png"));
    await writeTrimap("scene-trimap.png", pic.trimap, W, H);
    await writeTrimap("scene-mask.png", edgeMask, W, H);
  });

  it("writes alpha, foreground (RGB), cutout (RGBA) and a composite over a colour from one solve, listed in --json", async () => {
    const outputs = { alpha: file("all-a.png"), foreground: file("all-f.png"), cutout: file("all-c.png"), composite: file("all-k.png") };
    const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", outputs.alpha, "-f", outputs.foreground,
      "--cutout", outputs.cutout, "--background", "#3a7", "--composite", outputs.composite, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outputs).toEqual(outputs);
    expect(report.background).toEqual(green);
    expect(report.stats).toMatchObject({ width: W, height: H, converged: true });
    expect(report.stats.milliseconds).toHaveProperty("foreground");

    const alpha = await readPng(outputs.alpha, 1);
    const foreground = await readPng(outputs.foreground, 3);
    const cut = await readPng(outputs.cutout, 4);
    const comp = await readPng(outputs.composite, 3);
    for (const image of [alpha, foreground, cut, comp]) expect([image.width, image.height]).toEqual([W, H]);

    // The same numbers as matte() in-process, rounded to 8 bits.
    const expected = await matte({ width: W, height: H, data: pic.rgb }, { width: W, height: H, data: pic.trimap });
    expect(maxLevelDifference(alpha.data, expected.alpha)).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(maxLevelDifference(foreground.data, expected.foreground)).toBeLessThanOrEqual(0.5 + 1e-3);

    let cutoutDiffers = 0, compositeWorst = 0, foregroundError = 0, naiveError = 0;
    for (let i = 0; i < W * H; i++) {
      const a = alpha.data[i] / 255;
      if (cut.data[i * 4 + 3] !== alpha.data[i]) cutoutDiffers++;
      for (let c = 0; c < 3; c++) {
        if (cut.data[i * 4 + c] !== foreground.data[i * 3 + c]) cutoutDiffers++;
        // The formula on the unrounded alpha and colours: only the composite's own rounding remains.
        const exactAlpha = expected.alpha[i];
        const formula = exactAlpha * 255 * expected.foreground[i * 3 + c] + (1 - exactAlpha) * green[c];
        compositeWorst = Math.max(compositeWorst, Math.abs(comp.data[i * 3 + c] - formula));
      }
      // Where the edge is soft, the estimated colours are nearer the true foreground than the photo is.
      if (pic.trimap[i] === 128 && a > 0.2 && a < 0.8) {
        const truth = trueForeground(i % W, Math.floor(i / W));
        for (let c = 0; c < 3; c++) {
          foregroundError += Math.abs(foreground.data[i * 3 + c] - truth[c]);
          naiveError += Math.abs(pic.rgb[i * 3 + c] - truth[c]);
        }
      }
    }
    expect(cutoutDiffers).toBe(0);
    expect(compositeWorst).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(naiveError).toBeGreaterThan(0);
    expect(foregroundError).toBeLessThan(naiveError / 2);
  });

  it("composites over an image of the same size, and over r,g,b", async () => {
    const behind = Uint8Array.from({ length: W * H * 3 }, (_, k) => (k * 37) % 256);
    await raw(behind, W, H, 3).png().toFile(file("behind.png"));
    const common = [file("scene.png"), file("scene-trimap.png"), "-q"];
    expect(await runCli([...common, "--background", file("behind.png"), "--composite", file("bg-k.png")])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await runCli([...common, "-b", "10, 200,30", "--composite", file("rgb-k.png")])).toEqual({ code: 0, stdout: "", stderr: "" });
    const overImage = await readPng(file("bg-k.png"), 3);
    const overTriple = await readPng(file("rgb-k.png"), 3);
    const { alpha, foreground } = await matte({ width: W, height: H, data: pic.rgb }, { width: W, height: H, data: pic.trimap });
    let worst = 0;
    for (let i = 0; i < W * H; i++) {
      const a = alpha[i];
      for (let c = 0; c < 3; c++) {
        const f = 255 * foreground[i * 3 + c];
        worst = Math.max(worst, Math.abs(overImage.data[i * 3 + c] - (a * f + (1 - a) * behind[i * 3 + c])));
        worst = Math.max(worst, Math.abs(overTriple.data[i * 3 + c] - (a * f + (1 - a) * [10, 200, 30][c])));
      }
    }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("--mask builds the trimap trimapFromMask builds, and mattes with it", async () => {
    const result = await runCli([file("scene.png"), "--mask", file("scene-mask.png"), "--band", "3",
      "--trimap-out", file("mask-t.png"), "--alpha", file("mask-a.png"), "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const expected = await trimapFromMask({ width: W, height: H, data: edgeMask }, { foreground: 3, background: 3 });
    const written = await readPng(file("mask-t.png"), 1);
    expect(written.data).toEqual(expected.data);
    const unknown = expected.data.filter((v) => v === 128).length;
    expect(unknown).toBeGreaterThan(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ mask: file("scene-mask.png"), band: 3, outputs: { alpha: file("mask-a.png"), trimapOut: file("mask-t.png") } });
    expect(report.trimapStats).toMatchObject({ pixels: W * H, unknown });
    expect(report.stats.unknownPixels).toBe(unknown);
    const alpha = await readPng(file("mask-a.png"), 1);
    expect(maxLevelDifference(alpha.data, await referenceAlpha(pic.rgb, W, H, expected.data))).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("--trimap-out alone writes the trimap without matting: default band 10, 16-bit masks split at 32768", async () => {
    const mask16 = Uint16Array.from(edgeMask, (v) => (v === 255 ? 32768 : 32767));
    await raw(mask16, W, H, 1).toColourspace("grey16").png().toFile(file("mask16.png"));
    const result = await runCli([file("scene.png"), "-m", file("mask16.png"), "--trimap-out", file("mask16-t.png")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${W}x${H} trimap`);
    const expected = await trimapFromMask({ width: W, height: H, data: edgeMask }, { foreground: 10, background: 10 });
    expect((await readPng(file("mask16-t.png"), 1)).data).toEqual(expected.data);
  });

  it("--preconditioner jacobi is passed to the solver and gives the same matte as the default multigrid", async () => {
    const out = file("jacobi-a.png");
    const result = await runCli([file("scene.png"), file("scene-trimap.png"), "--alpha", out, "--preconditioner", "jacobi", "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.options.preconditioner).toBe("jacobi");
    expect(report.stats.converged).toBe(true);
    const jacobi = await estimateAlpha({ width: W, height: H, data: pic.rgb }, { width: W, height: H, data: pic.trimap }, { preconditioner: "jacobi" });
    const multigrid = await estimateAlpha({ width: W, height: H, data: pic.rgb }, { width: W, height: H, data: pic.trimap });
    expect(report.stats.iterations).toBe(jacobi.stats.iterations);
    expect(report.stats.iterations).toBeGreaterThan(multigrid.stats.iterations);
    expect(maxLevelDifference((await readAlphaPng(out)).data, jacobi.alpha)).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(maxLevelDifference((await readAlphaPng(out)).data, multigrid.alpha)).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(maxLevelDifference((await readAlphaPng(out)).data, await referenceAlpha(pic.rgb))).toBeLessThanOrEqual(1);
  });
});

describe("matting CLI: errors are one line naming the file, with an exit status", () => {
  beforeAll(async () => {
    await raw(pic.rgb, W, H, 3).png().toFile(file("ok.png"));
    await writeTrimap("ok-trimap.png", pic.trimap, W, H);
    await writeFile(file("text.png"), "this is not a picture\n");
    await writeFile(file("empty.png"), "");
    const whole = await readFile(file("ok.png"));
    await writeFile(file("truncated.png"), whole.subarray(0, Math.floor(whole.length * 0.6)));
    await writeTrimap("small-trimap.png", pic.trimap.subarray(0, (W - 2) * H), W - 2, H);
    await writeTrimap("no-fg.png", pic.trimap.map((v) => (v === 255 ? 128 : v)), W, H);
    await writeTrimap("no-bg.png", pic.trimap.map((v) => (v === 0 ? 128 : v)), W, H);
    await raw(pic.rgb.subarray(0, 2 * 2 * 3), 2, 2, 3).png().toFile(file("tiny.png"));
    await writeTrimap("tiny-trimap.png", Uint8Array.of(0, 255, 128, 128), 2, 2);
    await raw(pic.rgb.subarray(0, W * (H - 1) * 3), W, H - 1, 3).png().toFile(file("short-background.png"));
    // Inside but for the last column, which a band of 2 makes all unknown.
    await writeTrimap("nearly-full-mask.png", Uint8Array.from({ length: W * H }, (_, i) => (i % W === W - 1 ? 0 : 255)), W, H);
    await writeTrimap("small-mask.png", pic.trimap.subarray(0, (W - 2) * H), W - 2, H);
  });

  // Cases get "--alpha unused.png" unless they bring their own output flag or test its absence (own: true).
  const cases: { title: string; args: () => string[]; exit: number; names: () => string; says: string; own?: boolean }[] = [
    { title: "missing image", args: () => [file("nope.png"), file("ok-trimap.png")], exit: 1, names: () => file("nope.png"), says: "READ_FAILED" },
    { title: "missing trimap", args: () => [file("ok.png"), file("nope-trimap.png")], exit: 1, names: () => file("nope-trimap.png"), says: "READ_FAILED" },
    { title: "a directory as image", args: () => [dir, file("ok-trimap.png")], exit: 1, names: () => dir, says: "READ_FAILED" },
    { title: "text file named .png", args: () => [file("text.png"), file("ok-trimap.png")], exit: 1, names: () => file("text.png"), says: "READ_FAILED" },
    { title: "empty file", args: () => [file("ok.png"), file("empty.png")], exit: 1, names: () => file("empty.png"), says: "empty" },
    { title: "truncated PNG", args: () => [file("truncated.png"), file("ok-trimap.png")], exit: 1, names: () => file("truncated.png"), says: "READ_FAILED" },
    {
      title: "trimap of another size", args: () => [file("ok.png"), file("small-trimap.png")], exit: 1,
      names: () => file("small-trimap.png"), says: `trimap is ${W - 2}x${H} but the image is ${W}x${H} (SIZE_MISMATCH)`,
    },
    { title: "no foreground", args: () => [file("ok.png"), file("no-fg.png")], exit: 1, names: () => file("no-fg.png"), says: "NO_FOREGROUND" },
    { title: "no background", args: () => [file("ok.png"), file("no-bg.png")], exit: 1, names: () => file("no-bg.png"), says: "NO_BACKGROUND" },
    { title: "image smaller than a window", args: () => [file("tiny.png"), file("tiny-trimap.png")], exit: 1, names: () => file("tiny.png"), says: "IMAGE_TOO_SMALL" },
    {
      title: "unwritable output", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", file("no/such/dir/out.png")], exit: 1,
      names: () => file("no/such/dir/out.png"), says: "WRITE_FAILED", own: true,
    },
    { title: "epsilon out of range", args: () => [file("ok.png"), file("ok-trimap.png"), "--epsilon", "5"], exit: 2, names: () => "--epsilon", says: "INVALID_OPTION" },
    { title: "radius not an integer", args: () => [file("ok.png"), file("ok-trimap.png"), "--radius", "1.5"], exit: 2, names: () => "--radius", says: "INVALID_OPTION" },
    { title: "no arguments", args: () => [], exit: 2, names: () => "IMAGE", says: "--help", own: true },
    { title: "unknown flag", args: () => [file("ok.png"), file("ok-trimap.png"), "--bogus"], exit: 2, names: () => "--bogus", says: "--help" },
    { title: "a flag without its value", args: () => [file("ok.png"), file("ok-trimap.png"), "--radius"], exit: 2, names: () => "--radius", says: "--help" },
    { title: "a flag whose value is missing before another flag", args: () => [file("ok.png"), file("ok-trimap.png"), "--radius", "--json"], exit: 2, names: () => "--radius needs a value", says: "--help" },
    { title: "a number that is not one", args: () => [file("ok.png"), file("ok-trimap.png"), "--tolerance", "small"], exit: 2, names: () => "--tolerance", says: "--help" },
    { title: "a third file", args: () => [file("ok.png"), file("ok-trimap.png"), "extra.png"], exit: 2, names: () => "extra.png", says: "--help" },
    { title: "missing --alpha", args: () => [file("ok.png"), file("ok-trimap.png")], exit: 2, names: () => "--alpha", says: "--help", own: true },
    { title: "--alpha not a .png", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", "out.jpg"], exit: 2, names: () => "out.jpg", says: "--help", own: true },
    { title: "no output at all", args: () => [file("ok.png"), file("ok-trimap.png"), "--json"], exit: 2, names: () => "nothing to write", says: "--help", own: true },
    {
      title: "two outputs to one file", args: () => [file("ok.png"), file("ok-trimap.png"), "--alpha", "same.png", "--cutout", "same.png"], exit: 2,
      names: () => "same.png", says: "--help", own: true,
    },
    { title: "--cutout not a .png", args: () => [file("ok.png"), file("ok-trimap.png"), "--cutout", "cut.webp"], exit: 2, names: () => "cut.webp", says: "--help" },
    { title: "--composite without --background", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png")], exit: 2, names: () => "--background", says: "--help" },
    { title: "--background without --composite", args: () => [file("ok.png"), file("ok-trimap.png"), "--background", "#fff"], exit: 2, names: () => "--composite", says: "--help" },
    {
      title: "a bad colour string", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", "#12345"], exit: 2,
      names: () => "--background", says: "#12345",
    },
    {
      title: "a colour out of range", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", "300,0,0"], exit: 2,
      names: () => "--background", says: "300,0,0",
    },
    {
      title: "a background image of another size", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", file("short-background.png")],
      exit: 1, names: () => file("short-background.png"), says: `background is ${W}x${H - 1} but the image is ${W}x${H} (SIZE_MISMATCH)`,
    },
    {
      title: "a missing background image", args: () => [file("ok.png"), file("ok-trimap.png"), "--composite", file("k.png"), "--background", file("nope-bg.png")],
      exit: 1, names: () => file("nope-bg.png"), says: "READ_FAILED",
    },
    {
      title: "--mask and TRIMAP both given", args: () => [file("ok.png"), file("ok-trimap.png"), "--mask", file("ok-trimap.png")], exit: 2,
      names: () => `'${file("ok-trimap.png")}'`, says: "--help",
    },
    { title: "--band without --mask", args: () => [file("ok.png"), file("ok-trimap.png"), "--band", "4"], exit: 2, names: () => "--band", says: "--help" },
    { title: "a negative --band", args: () => [file("ok.png"), "--mask", file("ok-trimap.png"), "--band=-1"], exit: 2, names: () => "--band", says: "--help" },
    {
      title: "--trimap-out without --mask", args: () => [file("ok.png"), file("ok-trimap.png"), "--trimap-out", file("t.png")], exit: 2,
      names: () => "--trimap-out", says: "--help",
    },
    {
      title: "a mask of another size", args: () => [file("ok.png"), "--mask", file("small-mask.png")], exit: 1,
      names: () => file("small-mask.png"), says: `mask is ${W - 2}x${H} but the image is ${W}x${H} (SIZE_MISMATCH)`,
    },
    {
      title: "a mask that leaves no background", args: () => [file("ok.png"), "--mask", file("nearly-full-mask.png"), "--band", "2"], exit: 1,
      names: () => `${file("nearly-full-mask.png")} (with --band 2)`, says: "NO_BACKGROUND",
    },
    { title: "a missing mask", args: () => [file("ok.png"), "--mask", file("nope-mask.png")], exit: 1, names: () => file("nope-mask.png"), says: "READ_FAILED" },
    {
      title: "an unknown preconditioner", args: () => [file("ok.png"), file("ok-trimap.png"), "--preconditioner", "ilu"], exit: 2,
      names: () => "--preconditioner must be one of jacobi, multigrid", says: "'ilu'",
    },
    {
      title: "unwritable cutout", args: () => [file("ok.png"), file("ok-trimap.png"), "--cutout", file("no/such/dir/cut.png")], exit: 1,
      names: () => file("no/such/dir/cut.png"), says: "WRITE_FAILED",
    },
  ];

  it.each(cases)("$title", async ({ args, exit, names, says, own }) => {
    const result = await runCli(own ? args() : ["--alpha", file("unused.png"), ...args()]);
    expect(result.code).toBe(exit);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr.startsWith("matting: ")).toBe(true);
    expect(result.stderr).toContain(names());
    expect(result.stderr).toContain(says);
  });

  it("errors keep stdout empty under --json too", async () => {
    const result = await runCli([file("ok.png"), file("small-trimap.png"), "--alpha", file("unused.png"), "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toHaveLength(1);
  });

  it("Ctrl-C aborts the solve, says so and exits 130 without writing", async () => {
    // A noisy picture that is nearly all unknown and an unreachable tolerance keep the solver busy.
    const size = 240;
    const noisy = Uint8Array.from({ length: size * size * 3 }, (_, k) => (k * 2654435761) >>> 24);
    const trimap = Uint8Array.from({ length: size * size }, (_, i) => (i % size < 4 ? 255 : i % size >= size - 4 ? 0 : 128));
    await raw(noisy, size, size, 3).png().toFile(file("busy.png"));
    await writeTrimap("busy-trimap.png", trimap, size, size);
    const out = file("busy-alpha.png");
    const started = Date.now();
    const result = await runCli([file("busy.png"), file("busy-trimap.png"), "--alpha", out,
      "--tolerance", "1e-300", "--max-iterations", "100000000"], 1500);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({ code: 130, stdout: "", stderr: "matting: interrupted\n" });
    await expect(readFile(out)).rejects.toThrow();
  });
});
