// `matting frames`: a generated sequence of PNG frames matted in natural order (frame2 before frame10), each
// warm-started from the previous alpha; one alpha PNG per frame; masks with a band; missing trimaps named.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { type SequenceFrame, matteSequence } from "../dist/entry/node.js";
import * as matting from "../dist/entry/node.js";
import { movingFrame } from "../bench/moving-scene.js";
import { runCli, startCli, tempDir, useTempDir } from "./cli-helpers.js";

useTempDir();
const W = 64, H = 48, COUNT = 11;
const png = (data: Uint8Array, channels: 1 | 3) => sharp(data, { raw: { width: W, height: H, channels } }).png().toBuffer();
const bytes = (values: Float32Array) => Uint8Array.from(values, (v) => Math.round(255 * v));

/** frame1.png .. frame11.png written in scrambled order, with trimaps and masks of the same stems. */
beforeAll(async () => {
  for (const folder of ["frames", "trimaps", "masks"]) await mkdir(join(tempDir(), folder));
  for (const t of [7, 0, 10, 3, 1, 9, 2, 5, 8, 4, 6]) {
    const f = movingFrame(t, { width: W, height: H, frames: COUNT });
    const name = `frame${t + 1}.png`;
    await writeFile(join(tempDir(), "frames", name), await png(bytes(f.image), 3));
    await writeFile(join(tempDir(), "trimaps", name), await png(f.trimap, 1));
    await writeFile(join(tempDir(), "masks", name), await png(Uint8Array.from(f.alpha, (a) => (a >= 0.5 ? 255 : 0)), 1));
  }
});

const dir = (name: string) => join(tempDir(), name);
const lines = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
const order = Array.from({ length: COUNT }, (_, t) => `frame${t + 1}`);

async function readAlpha(file: string): Promise<Uint8Array> {
  const { data } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

describe("matting frames", () => {
  it("mattes the frames in natural order, warm-starting each, and writes one alpha per frame as the library would", async () => {
    const out = dir("out");
    const { code, stdout, stderr } = await runCli(["frames", dir("frames"), "--trimaps", dir("trimaps"), "--out", out, "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const reports = lines(stdout);
    const frames = reports.slice(0, -1);
    expect(frames.map((r) => String(r.frame).replace(/^.*\/(frame\d+)\.png$/, "$1"))).toEqual(order);
    expect(frames.map((r) => r.warmStarted)).toEqual(order.map((_, t) => t > 0));
    expect(reports.at(-1)!.summary).toMatchObject({ frames: COUNT, warmStarted: COUNT - 1 });
    expect((await readdir(out)).sort()).toEqual(order.map((stem) => `${stem}.png`).sort());
    // The library over the decoded frames, in the same order: the same 8-bit alphas.
    const decoded: SequenceFrame[] = [];
    for (const stem of order) {
      const image = await sharp(join(dir("frames"), `${stem}.png`)).raw().toBuffer();
      const trimap = await sharp(join(dir("trimaps"), `${stem}.png`)).extractChannel(0).raw().toBuffer();
      decoded.push({ image: { width: W, height: H, data: new Uint8Array(image) }, trimap: { width: W, height: H, data: new Uint8Array(trimap) } });
    }
    let t = 0;
    for await (const result of matteSequence(matting, decoded)) {
      const written = await readAlpha(join(out, `${order[t++]}.png`));
      expect(written).toEqual(Uint8Array.from(result.alpha, (a) => Math.round(255 * a)));
    }
  });

  it("--no-warm-start solves every frame from 0; the alphas agree within a level", async () => {
    const { code, stdout } = await runCli(["frames", dir("frames"), "--trimaps", dir("trimaps"), "--out", dir("cold"), "--json", "--no-warm-start"]);
    expect(code).toBe(0);
    expect(lines(stdout).slice(0, -1).every((r) => r.warmStarted === false)).toBe(true);
    for (const stem of order) {
      const warm = await readAlpha(join(dir("out"), `${stem}.png`)), cold = await readAlpha(join(dir("cold"), `${stem}.png`));
      expect(warm.every((v, i) => Math.abs(v - cold[i]) <= 1)).toBe(true);
    }
  });

  it("builds each trimap from a mask with --masks and --band", async () => {
    const { code, stdout } = await runCli(["frames", dir("frames"), "--masks", dir("masks"), "--band", "4", "--out", dir("masked"), "--quiet"]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect((await readdir(dir("masked"))).length).toBe(COUNT);
  });

  it("names a frame without a trimap before matting anything, and refuses bad flags", async () => {
    await mkdir(dir("few"));
    await writeFile(join(dir("few"), "frame1.png"), await png(new Uint8Array(W * H), 1));
    const missing = await runCli(["frames", dir("frames"), "--trimaps", dir("few"), "--out", dir("none")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/frame2\.png: no trimap named frame2\.\* in .* \(READ_FAILED\)/);
    await expect(readdir(dir("none"))).rejects.toThrow();
    expect((await runCli(["frames", dir("frames"), "--out", dir("x")])).code).toBe(2);
    expect((await runCli(["frames", dir("frames"), "--trimaps", dir("trimaps"), "--masks", dir("masks"), "--out", dir("x")])).code).toBe(2);
    const tolerance = await runCli(["frames", dir("frames"), "--trimaps", dir("trimaps"), "--out", dir("x"), "--tolerance", "2"]);
    expect(tolerance.code).toBe(2);
    expect(tolerance.stderr).toMatch(/--tolerance: .*INVALID_OPTION/);
  });

  it("is named in the main usage text, matting --help", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ +matting frames FRAMES_DIR /m);
  });

  it("stops on Ctrl-C, leaving only complete frames", async () => {
    // Each frame's file waits 300 ms before it is renamed into place (commit.ts's test hook): the signal comes
    // while the frames are still being written, never after the last.
    const { child, outcome } = startCli(["frames", dir("frames"), "--trimaps", dir("trimaps"), "--out", dir("stopped"), "--json"],
      { killAfterMs: 60_000, env: { MATTING_TEST_WRITE_PAUSE_MS: "300" } });
    let sent = false;
    child.stdout!.on("data", () => {
      if (!sent) child.kill("SIGINT");
      sent = true;
    });
    const { code, stderr } = await outcome;
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    const written = await readdir(dir("stopped"));
    // No temporary left behind, and no frame after the one under way.
    expect(written.every((name) => /^frame\d+\.png$/.test(name))).toBe(true);
    expect(written.length).toBeLessThan(COUNT);
    for (const name of written) expect((await readAlpha(join(dir("stopped"), name))).length).toBe(W * H);
  });
});
