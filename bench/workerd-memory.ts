// Memory of the workerd example against Cloudflare Workers' 128 MB per-isolate limit (JS heap + wasm memory).
// Posts the lemur scaled up (same unknown fraction, ~13 %) to a fresh workerd per size and reads the worker's
// X-Matting-Stats (wasm peak and memory size), adds the typed arrays the worker's JavaScript holds at that
// moment (request PNGs, decoded image and trimap, alpha as float32 and 8-bit, answer PNG), and reads workerd's
// peak resident memory (VmHWM) over its idle baseline: an upper bound that also counts compiled code and GC slack.
// Then hostile uploads on a fresh workerd: the 16383x16383 grey PNG bomb and a 64x64 header over 256 MiB of
// deflated zeros, with the answer, its time and workerd's peak memory over idle (the worker reads headers first).
//   npm run build && tsx bench/workerd-memory.ts [--scales 1,1.5,2,2.5,3]
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { decode } from "fast-png";
import sharp from "sharp";
import { startWorker } from "../examples/worker/start.mjs";
import { blackGreyPng, pngWithData } from "../tests/png-bytes.js";

const WORKERS_LIMIT_BYTES = 128 * 1024 * 1024;
const MiB = 1024 * 1024;

const { values: args } = parseArgs({ options: { scales: { type: "string", default: "1,1.5,2,2.5,3" } } });
const scales = args.scales.split(",").map(Number);

/** Peak resident set (VmHWM) of a process, in bytes, from /proc (Linux). */
async function peakResidentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function scaledPngs(scale: number) {
  const source = new URL("../examples/", import.meta.url);
  const { width = 0, height = 0 } = await sharp(new URL("lemur.png", source).pathname).metadata();
  const size = { width: Math.round(width * scale), height: Math.round(height * scale) };
  const image = await sharp(new URL("lemur.png", source).pathname).resize({ ...size, kernel: "lanczos3" }).png({ compressionLevel: 1 }).toBuffer();
  const trimap = await sharp(new URL("lemur_trimap.png", source).pathname).extractChannel(0).resize({ ...size, kernel: "nearest" }).png({ compressionLevel: 1 }).toBuffer();
  return { ...size, image, trimap };
}

const rows: string[][] = [];
for (const scale of scales) {
  const { width, height, image, trimap } = await scaledPngs(scale);
  const worker = await startWorker();
  try {
    const baseline = await peakResidentBytes(worker.pid);
    const form = new FormData();
    form.set("image", new Blob([new Uint8Array(image)]), "image.png");
    form.set("trimap", new Blob([new Uint8Array(trimap)]), "trimap.png");
    const response = await fetch(worker.url, { method: "POST", body: form });
    if (response.status === 413) {
      // The example caps its engine (maxMemoryBytes) below the isolate's limit and refuses larger work up front.
      const { message } = JSON.parse(await response.text());
      rows.push([`${width}x${height}`, (width * height / 1e6).toFixed(2), "", "", "", "", "", "", "", `413: ${message}`, "", "", "", "", ""]);
      continue;
    }
    if (!response.ok) throw new Error(`${width}x${height}: ${response.status} ${await response.text()}`);
    const answer = await response.arrayBuffer();
    const stats = JSON.parse(response.headers.get("x-matting-stats")!);
    const resident = (await peakResidentBytes(worker.pid)) - baseline;
    // The same request again on the now warm isolate (its engine made, its code optimised): the steady per-request time.
    const started = performance.now();
    const again = await fetch(worker.url, { method: "POST", body: form });
    await again.arrayBuffer();
    const requestSeconds = (performance.now() - started) / 1000;
    const againStats = JSON.parse(again.headers.get("x-matting-stats")!);
    const pixels = width * height;
    const channels = (png: Buffer) => decode(new Uint8Array(png)).channels;
    const jsBytes = image.length + trimap.length + answer.byteLength + pixels * (channels(image) + channels(trimap) + 4 + 1);
    const total = stats.wasmMemoryBytes + jsBytes;
    rows.push([
      `${width}x${height}`, (pixels / 1e6).toFixed(2), (stats.unknownPixels / pixels * 100).toFixed(1),
      (stats.peakBytes / MiB).toFixed(1), (stats.wasmMemoryBytes / MiB).toFixed(1), (stats.wasmMemoryBytes / pixels).toFixed(1),
      (jsBytes / MiB).toFixed(1), (total / MiB).toFixed(1), (total / pixels).toFixed(1), total <= WORKERS_LIMIT_BYTES ? "yes" : "no",
      (resident / MiB).toFixed(1), String(stats.iterations), (stats.milliseconds / 1000).toFixed(1),
      (againStats.milliseconds / 1000).toFixed(2), requestSeconds.toFixed(2),
    ]);
  } finally {
    await worker.stop();
  }
}

const header = ["size", "Mpx", "unknown %", "wasm peak MiB", "wasm memory MiB", "wasm B/px", "JS arrays MiB", "wasm + JS MiB", "B/px", "fits 128 MiB", "workerd peak RSS over idle MiB", "iterations", "solve s", "again: solve s", "again: request s"];
console.log(`| ${header.join(" | ")} |\n|${header.map(() => " --- ").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
const last = rows.filter((row) => row[8] !== "").at(-1)!;
const bytesPerPixel = Number(last[8]);
console.log(`\nCloudflare Workers: ${WORKERS_LIMIT_BYTES / MiB} MiB per isolate. At ${bytesPerPixel} B/px (wasm + JS arrays, largest size above) ` +
  `at most ${(WORKERS_LIMIT_BYTES / bytesPerPixel / 1e6).toFixed(2)} Mpx fit with a ${last[2]} % unknown trimap, less the isolate's own baseline.`);

const hostile: [string, () => Promise<Buffer>][] = [
  ["16383x16383 8-bit grey, all black", () => blackGreyPng(16383, 16383)],
  ["64x64 header over 256 MiB of zeros", async () => pngWithData({ width: 64, height: 64, bitDepth: 8, colourType: 0 }, new Uint8Array(256 * MiB))],
];
console.log("\n| upload (as image and trimap) | PNG KiB | answer | ms | workerd peak RSS over idle MiB |\n| --- | --- | --- | --- | --- |");
for (const [name, make] of hostile) {
  const png = await make();
  const worker = await startWorker();
  try {
    const baseline = await peakResidentBytes(worker.pid);
    const form = new FormData();
    form.set("image", new Blob([new Uint8Array(png)]), "image.png");
    form.set("trimap", new Blob([new Uint8Array(png)]), "trimap.png");
    const started = performance.now();
    const response = await fetch(worker.url, { method: "POST", body: form, signal: AbortSignal.timeout(60_000) });
    const { code } = JSON.parse(await response.text());
    const milliseconds = performance.now() - started;
    const resident = (await peakResidentBytes(worker.pid)) - baseline;
    console.log(`| ${name} | ${(png.length / 1024).toFixed(0)} | ${response.status} ${code} | ${milliseconds.toFixed(0)} | ${(resident / MiB).toFixed(1)} |`);
  } finally {
    await worker.stop();
  }
}
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus()[0]?.model ?? "unknown CPU"} x ${cpus().length}, ${process.platform} ${process.arch}`);
