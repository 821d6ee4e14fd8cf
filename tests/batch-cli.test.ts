// `matting batch` over a generated folder: outputs, JSON lines and exit status with a corrupt photo and a missing
// trimap; the same bytes as the single-image command; resume (complete outputs skipped, incomplete, stale and
// --force redone); masks; a manifest; and usage errors found before any photo is read.
import { readFile, readdir, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { file, runCli, tempDir, useTempDir } from "./cli-helpers.js";
import { parseJsonLines, statuses, writeCorrupt, writePhotos } from "./batch-helpers.js";

useTempDir();

describe("matting batch", () => {
  let photos: string, trimaps: string, masks: string;

  beforeAll(async () => {
    ({ photos, trimaps, masks } = await writePhotos(tempDir(), 4));
    await writeCorrupt(photos, trimaps, "broken");
    // A photo without a trimap, a file that is no image by name, a hidden file: only the first is a task.
    await writeFile(join(photos, "lonely.png"), await readFile(join(photos, "p00.png")));
    await writeFile(join(photos, "notes.txt"), "not a photo");
    await writeFile(join(photos, ".hidden.png"), "not a photo");
  });

  it("mattes every photo, reports the corrupt one and the one without trimap by name and code, exit status 3", async () => {
    const out = file("out"), cutouts = file("cutouts");
    const { code, stdout, stderr } = await runCli(["batch", photos, "--trimaps", trimaps, "--out", out, "--cutout", cutouts, "--jobs", "2", "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(3);
    const { photos: reported, summary } = parseJsonLines(stdout);
    expect(statuses(reported)).toEqual({
      "broken.png": "READ_FAILED", "lonely.png": "MISSING_TRIMAP", "p00.png": "done", "p01.png": "done", "p02.png": "done", "p03.png": "done",
    });
    expect(reported.get("broken.png")!.error!.file).toBe(join(photos, "broken.png"));
    expect(reported.get("p01.png")).toMatchObject({ trimap: join(trimaps, "p01.png"), outputs: { alpha: join(out, "p01.png"), cutout: join(cutouts, "p01.png") } });
    expect(reported.get("p01.png")!.stats).toMatchObject({ width: 30, height: 22, converged: true });
    expect(summary).toMatchObject({ photos: 6, done: 4, skipped: 0, failed: 2, shard: "1/1" });
    expect((await readdir(out)).sort()).toEqual(["p00.png", "p01.png", "p02.png", "p03.png"]);
    expect((await readdir(cutouts)).sort()).toEqual(["p00.png", "p01.png", "p02.png", "p03.png"]);
  });

  it("writes the same bytes as the single-image command", async () => {
    for (const stem of ["p00", "p03"]) {
      const alpha = file(`${stem}-single-alpha.png`), cutout = file(`${stem}-single-cutout.png`);
      const single = await runCli([join(photos, `${stem}.png`), join(trimaps, `${stem}.png`), "--alpha", alpha, "--cutout", cutout, "--quiet"]);
      expect(single.code).toBe(0);
      expect(await readFile(file(`out/${stem}.png`))).toEqual(await readFile(alpha));
      expect(await readFile(file(`cutouts/${stem}.png`))).toEqual(await readFile(cutout));
    }
  });

  it("skips complete outputs on a rerun and redoes a truncated one, one older than its photo, and all with --force", async () => {
    const out = file("out");
    const before = await readFile(join(out, "p01.png"));
    await truncate(join(out, "p01.png"), before.length - 12); // cut off its IEND chunk
    const later = new Date(Date.now() + 60_000);
    await utimes(join(photos, "p02.png"), later, later);
    const rerun = await runCli(["batch", photos, "--trimaps", trimaps, "--out", out, "--cutout", file("cutouts"), "--json"]);
    expect(rerun.code).toBe(3);
    const { photos: reported, summary } = parseJsonLines(rerun.stdout);
    expect(statuses(reported)).toMatchObject({ "p00.png": "skipped", "p01.png": "done", "p02.png": "done", "p03.png": "skipped" });
    expect(summary).toMatchObject({ done: 2, skipped: 2, failed: 2 });
    expect(await readFile(join(out, "p01.png"))).toEqual(before);
    expect((await stat(join(out, "p02.png"))).mtimeMs).toBeGreaterThanOrEqual(Date.now() - 60_000);

    const forced = await runCli(["batch", photos, "--trimaps", trimaps, "--out", out, "--json", "--force"]);
    expect(parseJsonLines(forced.stdout).summary).toMatchObject({ done: 4, skipped: 0, failed: 2 });
  });

  it("builds trimaps from masks with --band, as the single command's --mask", async () => {
    const out = file("mask-out"), built = file("mask-trimaps");
    const { code, stdout } = await runCli(["batch", photos, "--masks", masks, "--band", "3", "--out", out, "--trimap-out", built, "--json", "--quiet"]);
    expect(code).toBe(3); // broken.png has no mask (nor does lonely.png)
    const { photos: reported } = parseJsonLines(stdout);
    expect(statuses(reported)).toMatchObject({ "broken.png": "MISSING_MASK", "lonely.png": "MISSING_MASK", "p02.png": "done" });
    expect(reported.get("p02.png")).toMatchObject({ mask: join(masks, "p02.png") });
    const alpha = file("p02-mask-alpha.png"), trimap = file("p02-mask-trimap.png");
    const single = await runCli([join(photos, "p02.png"), "--mask", join(masks, "p02.png"), "--band", "3", "--alpha", alpha, "--trimap-out", trimap, "-q"]);
    expect(single.code).toBe(0);
    expect(await readFile(join(out, "p02.png"))).toEqual(await readFile(alpha));
    expect(await readFile(join(built, "p02.png"))).toEqual(await readFile(trimap));
  });

  it("takes a manifest of JSON lines: two trimaps for one photo, paths relative to the manifest", async () => {
    const manifest = file("manifest.jsonl");
    await writeFile(manifest, [
      { photo: "photos/p00.png", trimap: "trimaps/p00.png", outputs: { alpha: "manifest-out/p00-t.png" } },
      { photo: "photos/p00.png", mask: "masks/p00.png", band: 3, outputs: { alpha: "manifest-out/p00-m.png" } },
      { photo: "photos/p01.png", trimap: "trimaps/p01.png", background: "steelblue", outputs: { composite: "manifest-out/p01-c.png" } },
      { photo: "photos/missing.png", trimap: "trimaps/p01.png", outputs: { alpha: "manifest-out/missing.png" } },
    ].map((line) => JSON.stringify(line)).join("\n") + "\n\n");
    const { code, stdout } = await runCli(["batch", "--manifest", manifest, "--json"]);
    expect(code).toBe(3);
    const parsed = stdout.trim().split("\n").map((line) => JSON.parse(line));
    const byOutput = Object.fromEntries(parsed.slice(0, -1).map((line) => [Object.values(line.outputs)[0] as string, line.error?.code ?? line.status]));
    expect(byOutput).toEqual({
      [file("manifest-out/p00-t.png")]: "done", [file("manifest-out/p00-m.png")]: "done",
      [file("manifest-out/p01-c.png")]: "done", [file("manifest-out/missing.png")]: "READ_FAILED",
    });
    expect(await readFile(file("manifest-out/p00-t.png"))).toEqual(await readFile(file("p00-single-alpha.png")));
    const composite = file("p01-single-composite.png");
    await runCli([join(photos, "p01.png"), join(trimaps, "p01.png"), "--background", "steelblue", "--composite", composite, "-q"]);
    expect(await readFile(file("manifest-out/p01-c.png"))).toEqual(await readFile(composite));
  });

  it("refuses bad values, folders and manifest lines as usage errors (exit 2) before reading any photo", async () => {
    const out = file("never");
    const cases: [string[], RegExp][] = [
      [["--shard", "0/3"], /--shard must be K\/N/],
      [["--shard", "4/3"], /--shard must be K\/N/],
      [["--shard", "1/0"], /--shard must be K\/N/],
      [["--shard", "x"], /--shard must be K\/N/],
      [["--radius", "9"], /--radius: must be an integer from 1 to 8/],
      [["--method", "knn", "--epsilon", "1e-6"], /--epsilon: does not apply to method "knn"/],
      [["--jobs", "0"], /--jobs must be an integer/],
      [["--cutout", photos], /are an input folder/],
      [["--cutout", out], /are the same folder/],
    ];
    for (const [flags, message] of cases) {
      const { code, stderr } = await runCli(["batch", photos, "--trimaps", trimaps, "--out", out, ...flags]);
      expect(code, flags.join(" ")).toBe(2);
      expect(stderr).toMatch(message);
    }
    await expect(stat(out)).rejects.toThrow();
    const manifest = file("bad.jsonl");
    await writeFile(manifest, `${JSON.stringify({ photo: "photos/p00.png", trimap: "trimaps/p00.png", outputs: { alpha: "never/a.png" } })}\n{"photo": "photos/p01.png"}\n`);
    const bad = await runCli(["batch", "--manifest", manifest]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${manifest}:2: give "trimap" or "mask"`);
    await expect(stat(out)).rejects.toThrow();
    await rm(manifest);
  });
});
