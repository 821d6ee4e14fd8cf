// An interrupted batch and its rerun: SIGTERM mid-way leaves only complete outputs and no temporary file (exit
// 143), and the rerun computes exactly the photos that were missing. And --shard K/N: for N = 1..5 the shards
// cover every photo exactly once, by a hash that is the same on every machine.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { fnv1a, inShard, listTasks } from "../dist/cli/batch-inputs.js";
import { parseBatchCommandLine } from "../dist/cli/batch-args.js";
import { file, runCli, startCli, tempDir, useTempDir } from "./cli-helpers.js";
import { parseJsonLines, statuses, writeCorrupt, writePhotos } from "./batch-helpers.js";

useTempDir();

let photos: string, trimaps: string, names: string[];
beforeAll(async () => {
  ({ photos, trimaps, names } = await writePhotos(tempDir(), 8));
});

describe("an interrupted batch", () => {
  it("stops on SIGTERM with complete outputs only, and a rerun computes just the missing ones", async () => {
    const out = file("out");
    // One photo at a time and a pause after each output is staged, so the signal lands mid-batch.
    const { child, outcome } = startCli(["batch", photos, "--trimaps", trimaps, "--out", out, "--jobs", "1", "--json"], {
      env: { MATTING_TEST_WRITE_PAUSE_MS: "300" }, killAfterMs: 60_000,
    });
    let stdout = "";
    await new Promise<void>((resolve) => {
      child.stdout!.on("data", (chunk) => {
        stdout += chunk;
        if ((stdout.match(/"status":"done"/g) ?? []).length >= 2) resolve();
      });
    });
    child.kill("SIGTERM");
    const first = await outcome;
    expect(first.code).toBe(143);
    expect(first.stderr).toContain("terminated");
    const { photos: before, summary } = parseJsonLines(first.stdout);
    expect(summary.stoppedBy).toBe("terminated");
    const written = [...before.keys()];
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.length).toBeLessThan(names.length);
    // Only finished photos' outputs, each complete; no temporary file left.
    expect((await readdir(out)).sort()).toEqual(written.sort());
    for (const name of written) expect((await sharp(join(out, name)).metadata()).format).toBe("png");

    const rerun = await runCli(["batch", photos, "--trimaps", trimaps, "--out", out, "--json"]);
    expect(rerun.code).toBe(0);
    const after = statuses(parseJsonLines(rerun.stdout).photos);
    expect(after).toEqual(Object.fromEntries(names.map((name) => [name, written.includes(name) ? "skipped" : "done"])));
    expect((await readdir(out)).sort()).toEqual(names);
    for (const name of names) {
      const { width, height } = await sharp(join(out, name)).metadata();
      expect([width, height]).toEqual([(await sharp(join(photos, name)).metadata()).width, (await sharp(join(photos, name)).metadata()).height]);
    }
  });
});

describe("--shard K/N", () => {
  it("splits the sorted photos by the FNV-1a hash of their stems: every photo in exactly one shard, for N = 1 to 5", async () => {
    await writeCorrupt(photos, trimaps, "broken");
    // FNV-1a's published test values: the split is the same on every machine.
    expect([fnv1a(""), fnv1a("a"), fnv1a("foobar")]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    const all = (await listTasks(parseBatchCommandLine([photos, "--trimaps", trimaps, "--out", file("x")]) as never)).map((task) => task.photo);
    expect(all).toHaveLength(names.length + 1);
    for (let count = 1; count <= 5; count++) {
      const seen: string[] = [];
      for (let index = 1; index <= count; index++) {
        const command = parseBatchCommandLine([photos, "--trimaps", trimaps, "--out", file("x"), "--shard", `${index}/${count}`]);
        const tasks = await listTasks(command as never);
        for (const task of tasks) expect(inShard(task.key, { index, count })).toBe(true);
        seen.push(...tasks.map((task) => task.photo));
      }
      expect(seen.sort()).toEqual([...all].sort());
    }
  });

  it("runs only its shard's photos from the command line", async () => {
    const { code, stdout } = await runCli(["batch", photos, "--trimaps", trimaps, "--out", file("shard-out"), "--shard", "2/3", "--json"]);
    const { photos: reported, summary } = parseJsonLines(stdout);
    const expected = [...names, "broken.png"].filter((name) => fnv1a(name.replace(/\.png$/, "")) % 3 === 1).sort();
    expect([...reported.keys()].sort()).toEqual(expected);
    expect(summary.shard).toBe("2/3");
    expect(code).toBe(expected.includes("broken.png") ? 3 : 0);
  });
});
