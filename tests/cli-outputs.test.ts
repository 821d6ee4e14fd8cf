// The built command line, run as a user would: foreground colours, cutout, composite and trimaps from masks.
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, estimateAlpha, matte, trimapFromMask } from "../dist/entry/node.js";
import { useTempDir, runCli, file, readPng, readAlphaPng, maxLevelDifference, W, scene, raw, pic, writeTrimap, referenceAlpha, H } from "./cli-helpers.js";

useTempDir();
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

  it("--threads 2 shares the solve of the bundled lemur (38 k unknowns) and gives the library's two-thread matte", async () => {
    const out = file("lemur-threads.png");
    const lemur = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
    const result = await runCli([lemur("lemur.png"), lemur("lemur_trimap.png"), "--alpha", out, "--threads", "2", "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.options.threads).toBe(2);
    expect(report.stats.threads).toBe(2);
    const photo = await sharp(lemur("lemur.png")).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const trimap = await sharp(lemur("lemur_trimap.png")).extractChannel(0).raw().toBuffer();
    const { width, height } = photo.info;
    const inputs = [{ width, height, data: new Uint8Array(photo.data) }, { width, height, data: new Uint8Array(trimap) }] as const;
    const engine = await createMatting({ threads: 2 });
    const shared = await engine.estimateAlpha(...inputs);
    engine.close();
    // Exactly the library's two-thread matte, rounded to 8 bits; within a level of one thread's (the alphas
    // differ by about the solver's tolerance, which can tip a pixel over a rounding boundary).
    const written = (await readAlphaPng(out)).data;
    expect(maxLevelDifference(written, shared.alpha)).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(maxLevelDifference(written, (await estimateAlpha(...inputs)).alpha)).toBeLessThanOrEqual(1);
  });
});
