// Information flow's product with A (assembly/methods/ifm-product.ts), one build of the package against another,
// in one process, on one thread: for each case the system is built by each build (buildFlows and assembleIfm at
// the defaults), then y = A x (x fixed pseudo-random values) is timed by the process's CPU time, the two builds and,
// per build, each term alone (the record with the other terms emptied: the stencil with the diagonal, the colour
// mixture, the intra-unknown pairs, the diagonal alone) alternating product by product, so that a load change on
// this shared machine falls on all of them. Prints the fastest and the median of each and the largest difference
// between the two builds' y (relative to the largest |y|). For trying a change to the product, its storage or the
// order of the unknowns: keep a copy of the other build's `dist/` first.
// npx tsx bench/ifm-product.ts --old /tmp/ifm-main-dist [--data LOWRES_DIR] [--images GT08,GT13] [--trimaps trimap1,trimap2]
//                              [--runs 40]
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type { Arena } from "../dist/engine.js";
import { AB_OPTIONS, abCases, cpuNow, fixed, loadAverage, machineHeader, median, parseTrimaps, readFirstChannel, readRgb, repoRoot } from "./common.js";

const { values: args } = parseArgs({ options: { ...AB_OPTIONS, trimaps: { type: "string" } } });
const { old, runs: given, dir, names } = abCases(args, "DIST (a dist/ folder)", ["GT08", "GT13", "GT03", "GT02"]);
const runs = args.runs === undefined ? 40 : given;
const trimaps = parseTrimaps(args.trimaps ?? "trimap1");

/** What this benchmark takes from a build's dist/: its modules and an engine of its release wasm. */
async function loadBuild(dist: string) {
  const load = (file: string) => import(pathToFileURL(path.resolve(dist, file)).href);
  const [alpha, engineModule, kernels, ifm, validate] = await Promise.all(["alpha.js", "engine.js", "methods/ifm-kernels.js", "methods/ifm.js", "validate.js"].map(load));
  const engine = await engineModule.Engine.create(await WebAssembly.compile(await readFile(path.resolve(dist, "matting.wasm"))));
  return { alpha, kernels, ifm, validate, engine };
}
type Build = Awaited<ReturnType<typeof loadBuild>>;
const builds = { old: await loadBuild(old), new: await loadBuild(path.join(repoRoot, "dist")) };

/** Record fields emptied to leave one term: the stencil half [1], the colour-mixture k [11], the intra-unknown offsets [6]. */
const TERMS = ["all", "stencil", "colour mixture", "intra-unknown", "diagonal"] as const;
type Term = (typeof TERMS)[number];
const emptied: Record<Term, number[]> = { all: [], stencil: [11, 6], "colour mixture": [1, 6], "intra-unknown": [1, 11], diagonal: [1, 11, 6] };

/**
 * Builds the case's system on `build` and hands `use` a product per term and the full product's y; all of it lives
 * in the build's arena until `use` returns.
 */
async function withSystem(build: Build, photo: Awaited<ReturnType<typeof readRgb>>, trimap: Awaited<ReturnType<typeof readFirstChannel>>,
  use: (product: Record<Term, () => void>, y: () => Float64Array, rows: number) => Promise<void>): Promise<void> {
  const { alpha, kernels, ifm, validate, engine } = build;
  await engine.run(async (arena: Arena) => {
    const checked = validate.checkImage(photo);
    const pixels = alpha.loadPixels(arena, engine, checked, validate.checkTrimap(trimap, checked));
    const context = { engine, arena, width: photo.width, height: photo.height, pixels, progress: () => {}, checkpoint: async () => {} };
    const k = kernels.ifmKernels(engine);
    const system = await ifm.assembleIfm(context, k, await ifm.buildFlows(context, k, pixels.counts.unknown));
    const { record, rows } = system;
    const fields = arena.i32(record, 21).slice();
    const zeros = arena.alloc((rows + 1) * 4);
    arena.i32(zeros, rows + 1).fill(0);
    const x = arena.alloc((rows + 1) * 8), y = arena.alloc((rows + 1) * 8);
    const values = arena.f64(x, rows + 1);
    let seed = 1;
    for (let i = 0; i < rows; i++) values[i] = (seed = (seed * 16807) % 2147483647) / 2147483647;
    values[rows] = 0;
    const product = {} as Record<Term, () => void>;
    for (const term of TERMS) {
      const copy = arena.alloc(21 * 4);
      const f = fields.slice();
      for (const at of emptied[term]) f[at] = at === 6 ? zeros : 0;
      arena.i32(copy, 21).set(f);
      product[term] = () => k.ifmMultiply(copy, x, y);
    }
    product.all();
    const full = arena.f64(y, rows).slice();
    await use(product, () => full, rows);
  });
}

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start`);
console.log(`# old ${old}, new dist/; one thread, ${runs} products of each build and term, alternating; CPU ms, fastest / median`);
console.log(`case               rows  ${TERMS.map((t) => `${t} old -> new`.padStart(30)).join("")}  max |dy| / max |y|`);
for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    await withSystem(builds.old, photo, trimap, (oldProduct, oldY, rows) => withSystem(builds.new, photo, trimap, async (newProduct, newY) => {
      const times = { old: {} as Record<Term, number[]>, new: {} as Record<Term, number[]> };
      for (let run = 0; run < runs; run++) {
        for (const side of run % 2 === 0 ? (["new", "old"] as const) : (["old", "new"] as const)) {
          const product = side === "old" ? oldProduct : newProduct;
          for (const term of TERMS) {
            const before = cpuNow();
            product[term]();
            (times[side][term] ??= []).push(cpuNow() - before);
          }
        }
      }
      const a = oldY(), b = newY();
      let difference = 0, largest = 0;
      for (let i = 0; i < rows; i++) {
        difference = Math.max(difference, Math.abs(a[i] - b[i]));
        largest = Math.max(largest, Math.abs(a[i]));
      }
      const cell = (term: Term) => {
        const o = times.old[term], n = times.new[term];
        return `${fixed(Math.min(...o), 2)}/${fixed(median(o), 2)} -> ${fixed(Math.min(...n), 2)}/${fixed(median(n), 2)}`.padStart(30);
      };
      console.log(`${`${name} ${set}`.padEnd(15)} ${String(rows).padStart(7)}  ${TERMS.map(cell).join("")}  ${(difference / largest).toExponential(2)}`);
    }));
  }
}
console.log(`# load average ${loadAverage()} at the end`);
for (const build of Object.values(builds)) build.engine.close();
