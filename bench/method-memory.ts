// Memory of every method on the high-res alphamatting.com trimaps (27 x 2, 6-8 megapixels), from each method's own
// up-front figure (its peakBytes plus what the runner holds: the photo as f64 RGB, a label per pixel, the raw RGB
// input, the f32 alpha it composes), which estimateAlpha checks against wasm32's 4 GiB before allocating anything and
// which tests/method-memory.test.ts, tests/ifm-memory.test.ts and tests/memory.test.ts check against measured peaks.
// The figure needs only the trimap (sizes and unknown count), so no photo is read: the high-res photos are not
// available (../shared/datasets/README.md). Prints the figure per case and method, TOO_LARGE where it is refused up
// front, and per method the bytes per unknown pixel and whether any case that cf fits is neither held nor refused.
// npm run bench:memory -- [--data HIGHRES_DIR] [--images GT01,GT02] [--trimaps trimap1] [--methods cf,knn]
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { Engine, WASM_MEMORY_LIMIT } from "../dist/engine.js";
import { METHODS, METHOD_NAMES } from "../dist/methods/index.js";
import { DEFAULT_HIGHRES, Table, fixed, imageNames, machineHeader, median, parseList, parseTrimaps, readFirstChannel, resolveDir } from "./common.js";

/** What the runner holds per pixel besides the method (src/methods/run.ts): f64 RGB, a label, the composed f32 alpha. */
const RUNNER_BYTES_PER_PIXEL = 24 + 1 + 4;
/** The raw input: an 8-bit RGB photo. */
const RAW_BYTES_PER_PIXEL = 3;

const { values: args } = parseArgs({
  options: { data: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" }, methods: { type: "string" } },
});
const dataDir = resolveDir(args.data, DEFAULT_HIGHRES);
const names = imageNames(path.join(dataDir, "trimap1"), parseList(args.images));
const trimapSets = parseTrimaps(args.trimaps);
const methods = (parseList(args.methods) ?? [...METHOD_NAMES]) as (typeof METHOD_NAMES)[number][];
for (const m of methods) if (!METHOD_NAMES.includes(m)) throw new Error(`unknown method ${m}`);

const engine = await Engine.create(await WebAssembly.compile(await readFile(new URL("../dist/matting.wasm", import.meta.url))));
const limit = WASM_MEMORY_LIMIT - engine.kernels.heapBase();
const GiB = 2 ** 30;

console.log(machineHeader());
console.log(`# data ${dataDir}; each method's defaults; limit ${fixed(limit / GiB, 3)} GiB (wasm32's 4 GiB less the module's own data)`);
const table = new Table([
  { title: "case", width: 13, align: "left" }, { title: "size", width: 9 }, { title: "unknown", width: 8 },
  ...methods.map((m) => ({ title: `${m} GiB`, width: Math.max(9, m.length + 4) })),
]);
table.header();
const perUnknown: Record<string, number[]> = Object.fromEntries(methods.map((m) => [m, []]));
const refused: Record<string, string[]> = Object.fromEntries(methods.map((m) => [m, []]));
const unsafe: string[] = [];
for (const name of names) {
  for (const trimapSet of trimapSets) {
    const trimap = await readFirstChannel(path.join(dataDir, trimapSet, `${name}.png`));
    const { width, height } = trimap;
    const pixels = width * height;
    let unknown = 0;
    for (const v of trimap.data) if (v !== 0 && v !== 255) unknown++;
    const label = `${name} ${trimapSet}`;
    const cells: string[] = [];
    let cfFits = true;
    for (const m of methods) {
      const method = METHODS[m];
      const defaults = Object.fromEntries(Object.entries(method.options).map(([key, spec]) => [key, spec.default]));
      const bytes = pixels * (RUNNER_BYTES_PER_PIXEL + RAW_BYTES_PER_PIXEL) + method.peakBytes({ width, height, pixels, unknown }, defaults as never, engine);
      const fits = bytes <= limit;
      if (m === "cf") cfFits = fits;
      if (fits) perUnknown[m].push(bytes / unknown);
      else refused[m].push(label);
      cells.push(fits ? fixed(bytes / GiB, 3) : "TOO_LARGE");
    }
    // The figure bounds the peak (the memory tests), so a case either fits within it or is refused before allocating.
    if (!cfFits) unsafe.push(`${label}: cf itself does not fit`);
    table.row([label, `${width}x${height}`, String(unknown), ...cells]);
  }
}
console.log("\n## Per method: peak wasm bytes per unknown pixel over the cases it holds (median, max); cases refused up front (TOO_LARGE)");
for (const m of methods) {
  const figures = perUnknown[m];
  console.log(`${m.padEnd(9)} ${figures.length ? `${fixed(median(figures), 0)} B median, ${fixed(Math.max(...figures), 0)} B max` : "-"}; ` +
    `refused ${refused[m].length} of ${names.length * trimapSets.length}${refused[m].length ? `: ${refused[m].join(", ")}` : ""}`);
}
if (unsafe.length) console.log(`\n${unsafe.join("\n")}`);
