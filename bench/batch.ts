// matting batch against one CLI process per photo in sequence, on the 54 low-res cases (27 images x trimap1 and
// trimap2, through a manifest since every photo has two trimaps), in alternating chunks; then a batch of generated
// small photos with corrupt ones among them: every corrupt one must be reported by name and code, and the batch
// process's RSS must stay flat.
// npm run bench:batch -- [--data DIR] [--images GT01,GT02] [--jobs N] [--chunk N] [--photos N] [--corrupt F] [--no-throughput] [--no-corrupt-run]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { DEFAULT_LOWRES, TRIMAPS, Table, imageNames, machineHeader, parseList, parsePositive, random, repoRoot, resolveDir } from "./common.js";

const { values: args } = parseArgs({
  options: {
    data: { type: "string" }, images: { type: "string" }, jobs: { type: "string" }, chunk: { type: "string" },
    photos: { type: "string" }, corrupt: { type: "string" }, "no-corrupt-run": { type: "boolean" }, "no-throughput": { type: "boolean" },
  },
});
const jobs = parsePositive(args.jobs, "jobs", 2, true);
const chunkSize = parsePositive(args.chunk, "chunk", 18, true);
const photoCount = parsePositive(args.photos, "photos", 1000, true);
const corruptShare = parsePositive(args.corrupt, "corrupt", 0.05);
const cli = path.join(repoRoot, "dist/cli/main.js");

/** Runs the CLI to its end; rejects on a signal. Returns its exit status and output. */
function runCli(cliArgs: string[], onStart?: (child: ChildProcess) => void): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, ...cliArgs], { stdio: ["ignore", "pipe", "pipe"] });
  onStart?.(child);
  let stdout = "", stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === null) return reject(new Error(`matting ${cliArgs[0]} ended by ${signal}`));
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

interface Case {
  id: string;
  photo: string;
  trimap: string;
}

const load = () => os.loadavg().map((v) => v.toFixed(1)).join(" ");

async function throughput(work: string): Promise<void> {
  const data = resolveDir(args.data, DEFAULT_LOWRES);
  const cases: Case[] = imageNames(path.join(data, "input"), parseList(args.images)).flatMap((name) =>
    TRIMAPS.map((set) => ({ id: `${name}-${set}`, photo: path.join(data, "input", `${name}.png`), trimap: path.join(data, set, `${name}.png`) })));
  const batchOut = path.join(work, "batch"), singleOut = path.join(work, "single");
  await mkdir(singleOut, { recursive: true });
  const runBatch = async (chunk: Case[], label: string) => {
    const manifest = path.join(work, `${label}.jsonl`);
    await writeFile(manifest, chunk.map((c) => JSON.stringify({ photo: c.photo, trimap: c.trimap, outputs: { alpha: path.join(batchOut, `${c.id}.png`) } })).join("\n"));
    const run = await runCli(["batch", "--manifest", manifest, "--jobs", String(jobs), "--force", "--quiet"]);
    if (run.code !== 0) throw new Error(`matting batch failed (${run.code}): ${run.stderr}`);
    return run.seconds;
  };
  const runSingles = async (chunk: Case[]) => {
    let seconds = 0;
    for (const c of chunk) {
      const run = await runCli([c.photo, c.trimap, "--alpha", path.join(singleOut, `${c.id}.png`), "--quiet"]);
      if (run.code !== 0) throw new Error(`matting ${c.id} failed (${run.code}): ${run.stderr}`);
      seconds += run.seconds;
    }
    return seconds;
  };

  console.log(`## ${cases.length} low-res cases: matting batch --jobs ${jobs} (one process, a manifest) against one matting process per photo in sequence`);
  console.log(`# load average at the start: ${load()}`);
  const warmUp = cases.slice(0, 2);
  const warm = [await runBatch(warmUp, "warm-up"), await runSingles(warmUp)];
  console.log(`# warm-up (not counted): batch of 2 in ${warm[0].toFixed(2)} s, 2 processes in ${warm[1].toFixed(2)} s`);

  const table = new Table([
    { title: "chunk", width: 7 }, { title: "cases", width: 6 }, { title: "first", width: 7 },
    { title: "batch s", width: 9 }, { title: "processes s", width: 12 }, { title: "ratio", width: 7 },
  ]);
  table.header();
  let batchTotal = 0, singleTotal = 0;
  for (let start = 0, index = 1; start < cases.length; start += chunkSize, index++) {
    const chunk = cases.slice(start, start + chunkSize);
    // Alternate which side goes first, so that a change of load in the middle of a chunk pair hits both.
    const batchFirst = index % 2 === 1;
    let batchSeconds: number, singleSeconds: number;
    if (batchFirst) {
      batchSeconds = await runBatch(chunk, `chunk${index}`);
      singleSeconds = await runSingles(chunk);
    } else {
      singleSeconds = await runSingles(chunk);
      batchSeconds = await runBatch(chunk, `chunk${index}`);
    }
    batchTotal += batchSeconds;
    singleTotal += singleSeconds;
    table.row([String(index), String(chunk.length), batchFirst ? "batch" : "procs", batchSeconds.toFixed(2), singleSeconds.toFixed(2), (singleSeconds / batchSeconds).toFixed(2)]);
  }
  let identical = 0;
  const differing: string[] = [];
  for (const c of cases) {
    const [a, b] = await Promise.all([readFile(path.join(batchOut, `${c.id}.png`)), readFile(path.join(singleOut, `${c.id}.png`))]);
    if (a.equals(b)) identical++;
    else differing.push(c.id);
  }
  console.log(`# load average at the end: ${load()}`);
  console.log(`wall time, ${cases.length} cases: batch ${batchTotal.toFixed(2)} s, one process per photo ${singleTotal.toFixed(2)} s`);
  console.log(`throughput ratio (processes / batch): ${(singleTotal / batchTotal).toFixed(2)}x (target >= 1.8x on 2 cores)`);
  console.log(`identical alpha files: ${identical} of ${cases.length}${differing.length ? ` (differ: ${differing.join(", ")})` : ""}`);
}

/** VmRSS of a running process in bytes, from /proc (Linux); undefined elsewhere or once it has ended. */
async function rssOf(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  const kb = status && /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}

/** Ways a photo file is broken, each a different failure of the decoder. */
const CORRUPTIONS: [string, (png: Buffer) => Buffer][] = [
  ["truncated", (png) => png.subarray(0, png.length >> 1)],
  ["garbage", (png) => Buffer.from(Array.from({ length: png.length }, (_, i) => (i * 131 + 7) & 255))],
  ["empty", () => Buffer.alloc(0)],
  ["bad CRC", (png) => Buffer.concat([png.subarray(0, 29), Buffer.from([png[29] ^ 0xff]), png.subarray(30)])],
];

async function corruptRun(work: string): Promise<void> {
  const photos = path.join(work, "many/photos"), trimaps = path.join(work, "many/trimaps"), out = path.join(work, "many/out");
  await Promise.all([photos, trimaps].map((dir) => mkdir(dir, { recursive: true })));
  const next = random(7);
  const every = Math.round(1 / corruptShare);
  const corrupt = new Map<string, string>();
  for (let i = 0; i < photoCount; i++) {
    const width = 48 + Math.floor(next() * 32), height = 40 + Math.floor(next() * 24);
    const rgb = new Uint8Array(width * height * 3), labels = new Uint8Array(width * height);
    const edge = width * (0.35 + 0.3 * next());
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const a = Math.min(1, Math.max(0, (edge + 2 - x + 2 * Math.sin(y / 4)) / 4));
        for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = Math.round(a * [220, 140, 50][c] + (1 - a) * [30, 90 + y, 200][c]);
        labels[y * width + x] = x < edge - 6 ? 255 : x > edge + 6 ? 0 : 128;
      }
    }
    const name = `photo${String(i).padStart(4, "0")}`;
    let png: Buffer = await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
    if (i % every === every - 1) {
      const [kind, damage] = CORRUPTIONS[corrupt.size % CORRUPTIONS.length];
      png = damage(png);
      corrupt.set(`${name}.png`, kind);
    }
    await writeFile(path.join(photos, `${name}.png`), png);
    await sharp(labels, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png().toFile(path.join(trimaps, `${name}.png`));
  }
  console.log(`\n## ${photoCount} generated photos (48-79 x 40-63 pixels), ${corrupt.size} of them corrupt (${[...new Set(corrupt.values())].join(", ")}): matting batch --jobs ${jobs} --json`);
  console.log(`# load average at the start: ${load()}`);
  const rss: { photos: number; bytes: number }[] = [];
  let finished = 0;
  let pid = 0;
  const sampler = setInterval(async () => {
    const bytes = pid ? await rssOf(pid) : undefined;
    if (bytes !== undefined) rss.push({ photos: finished, bytes });
  }, 100);
  const run = await runCli(["batch", photos, "--trimaps", trimaps, "--out", out, "--jobs", String(jobs), "--json"], (child) => {
    pid = child.pid!;
    child.stdout!.on("data", (chunk: Buffer) => (finished += chunk.toString().split("\n").length - 1));
  });
  clearInterval(sampler);
  const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const summary = lines.at(-1).summary;
  const failed = lines.filter((line) => line.status === "failed");
  const reported = new Map(failed.map((line) => [path.basename(line.photo), line.error.code]));
  const missed = [...corrupt.keys()].filter((name) => !reported.has(name));
  const unexpected = [...reported.keys()].filter((name) => !corrupt.has(name));
  console.log(`exit status ${run.code}; ${summary.done} matted, ${summary.failed} failed, in ${run.seconds.toFixed(1)} s (${(photoCount / run.seconds).toFixed(1)} photos/s)`);
  console.log(`corrupt photos reported by name and code: ${corrupt.size - missed.length} of ${corrupt.size}${missed.length ? ` (missed: ${missed.join(", ")})` : ""}; failures that were not corrupt: ${unexpected.length}`);
  for (const [name, kind] of corrupt) console.log(`  ${name} (${kind}): ${reported.get(name) ?? "not reported"}`);
  const at = (fraction: number) => rss.find((sample) => sample.photos >= fraction * photoCount) ?? rss.at(-1);
  const mib = (bytes?: number) => (bytes === undefined ? "-" : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const start = rss.find((sample) => sample.photos > 0);
  console.log(`RSS of the batch process: ${mib(start?.bytes)} after its first photo, ` +
    `${[0.1, 0.25, 0.5, 0.75].map((fraction) => `${mib(at(fraction)?.bytes)} at ${fraction * 100} %`).join(", ")}, ` +
    `${mib(rss.at(-1)?.bytes)} at the end; peak ${mib(Math.max(...rss.map((sample) => sample.bytes)))} (${rss.length} samples)`);
  console.log(`# load average at the end: ${load()}`);
}

console.log(machineHeader());
console.log(`# ${os.cpus().length} cores; the batch runs ${jobs} jobs`);
const work = await mkdtemp(path.join(os.tmpdir(), "matting-bench-batch-"));
try {
  if (!args["no-throughput"]) await throughput(work);
  if (!args["no-corrupt-run"]) await corruptRun(work);
} finally {
  await rm(work, { recursive: true, force: true });
}
