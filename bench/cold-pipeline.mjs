// The command line's work on one photo, phase by phase, in a process of its own (run by bench/cold.ts).
// Plain JavaScript over dist/ and no tsx, so that a fresh process pays what `node dist/cli/main.js` pays: Node's
// start, loading our modules and sharp, decoding, the engine (compiling and instantiating the wasm), the matte on
// code that V8 has not yet tiered up, encoding and writing. With --repeat N it then does the same work N - 1 more
// times in the same process (a new engine each time, as the CLI makes one per call), which is the warm figure.
// Prints one JSON line: { boot, modules, sharp, runs: [{ decode, engine, matte, encode, iterations, residual, checksum }] }.
//
//   node bench/cold-pipeline.mjs IMAGE TRIMAP OUT.png [--repeat N]
import { writeFile } from "node:fs/promises";

const [imagePath, trimapPath, outPath, flag, count] = process.argv.slice(2);
if (outPath === undefined) throw new Error("usage: node bench/cold-pipeline.mjs IMAGE TRIMAP OUT.png [--repeat N]");
const repeat = flag === "--repeat" ? Number(count) : 1;
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat takes a positive integer, not ${count}`);

// Milliseconds since the process started (performance's time origin): Node's own start ends at bootstrapComplete.
const boot = performance.nodeTiming.bootstrapComplete;
const beforeModules = performance.now();
const { createMatting } = await import("../dist/entry/node.js");
const afterModules = performance.now();
const images = await import("../dist/cli/images.js");
const afterSharp = performance.now();

const MAX_PIXELS = 2 ** 28;
const runs = [];
for (let run = 0; run < repeat; run++) {
  const t0 = performance.now();
  const imageHeader = await images.readHeader(imagePath, MAX_PIXELS);
  const trimapHeader = await images.readHeader(trimapPath, MAX_PIXELS);
  const image = await images.readImage(imageHeader, MAX_PIXELS);
  const trimap = await images.readTrimap(trimapHeader, MAX_PIXELS);
  const t1 = performance.now();
  const matting = await createMatting({ threads: 1 });
  const t2 = performance.now();
  const { alpha, stats } = await matting.estimateAlpha(image, trimap);
  const t3 = performance.now();
  await writeFile(outPath, await images.encodeAlpha(alpha, image.width, image.height));
  const t4 = performance.now();
  matting.close();
  let checksum = 0;
  for (let i = 0; i < alpha.length; i++) checksum += alpha[i] * ((i % 251) + 1);
  runs.push({ decode: t1 - t0, engine: t2 - t1, matte: t3 - t2, encode: t4 - t3, iterations: stats.iterations, residual: stats.residual, checksum });
}
console.log(JSON.stringify({ boot, modules: afterModules - beforeModules, sharp: afterSharp - afterModules, runs }));
