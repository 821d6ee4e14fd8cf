// Information flow's linear system as the engine assembles it (buildFlows and assembleIfm at the defaults, one
// thread), written out as raw little-endian arrays for prototyping preconditioners outside the engine
// (bench/ifm-precondition-prototype.py reads them). Per case, in OUT/NAME-TRIMAP.*: the record's parts (scol / sval:
// the stencil's upper entries, i32 and f64 rows x half, column `rows` for none; sdiag: the diagonal the non-local
// terms do not supply; ccol / cw: the colour-mixture rows, i32 and f32 rows x k, column `rows` for a known pixel;
// ioff / icol / iw: the intra-unknown pairs, each held once, i32 offsets, i32 columns, f32 weights times s_iu), rhs,
// x0 (CG's start: the known-to-unknown estimates, or 0 where the flow is off), uidx (each pixel's unknown row or -1),
// rgb (the photo, u8), ax0 (the engine's A x0, to check a rebuilt A against) and a .json with the sizes.
// npx tsx bench/ifm-export.ts --out /tmp/NAME-systems [--dist DIST] [--data LOWRES_DIR] [--images GT08,GT13] [--trimaps trimap1]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import type { Arena } from "../dist/engine.js";
import { DEFAULT_LOWRES, imageNames, parseList, parseTrimaps, readFirstChannel, readRgb, repoRoot, resolveDir } from "./common.js";

const { values: args } = parseArgs({ options: { out: { type: "string" }, dist: { type: "string" }, data: { type: "string" }, images: { type: "string" }, trimaps: { type: "string" } } });
if (args.out === undefined) throw new Error("--out DIR is required: where the systems go");
const out = args.out;
const dist = path.resolve(args.dist ?? path.join(repoRoot, "dist"));
const dir = resolveDir(args.data, DEFAULT_LOWRES);
const names = imageNames(path.join(dir, "input"), parseList(args.images) ?? ["GT05"]);
const trimaps = parseTrimaps(args.trimaps ?? "trimap1");
const load = (file: string) => import(pathToFileURL(path.resolve(dist, file)).href);
const [alpha, engineModule, kernels, ifm, validate] = await Promise.all(["alpha.js", "engine.js", "methods/ifm-kernels.js", "methods/ifm.js", "validate.js"].map(load));
const engine = await engineModule.Engine.create(await WebAssembly.compile(await readFile(path.resolve(dist, "matting.wasm"))));
await mkdir(out, { recursive: true });

for (const name of names) {
  const photo = await readRgb(path.join(dir, "input", `${name}.png`));
  for (const set of trimaps) {
    const trimap = await readFirstChannel(path.join(dir, set, `${name}.png`));
    await engine.run(async (arena: Arena) => {
      const checked = validate.checkImage(photo);
      const pixels = alpha.loadPixels(arena, engine, checked, validate.checkTrimap(trimap, checked));
      const { width, height } = photo;
      const context = { engine, arena, width, height, pixels, progress: () => {}, checkpoint: async () => {} };
      const k = kernels.ifmKernels(engine);
      const flows = await ifm.buildFlows(context, k, pixels.counts.unknown);
      const { record, rows, rhs, unknownIndex } = await ifm.assembleIfm(context, k, flows, "jacobi");
      const f = arena.i32(record, 21).slice();
      const half = f[1], cmK = f[11];
      const x = arena.alloc((rows + 1) * 8), y = arena.alloc((rows + 1) * 8);
      arena.f64(x, rows + 1).fill(0);
      const ku = flows.knownToUnknown;
      if (ku) k.ifmEstimateGuess(width * height, pixels.labels, unknownIndex, flows.edgeTrimmed, ku.patchTrimmed, ku.queries, ku.count, ku.estimate, x);
      k.ifmMultiply(record, x, y);
      const offsets = arena.i32(f[6], rows + 1).slice(), pairs = offsets[rows];
      const parts: Record<string, ArrayBufferView> = {
        scol: arena.i32(f[2], rows * half).slice(), sval: arena.f64(f[3], rows * half).slice(), sdiag: arena.f64(f[17], rows).slice(),
        ccol: arena.i32(f[12], rows * cmK).slice(), cw: arena.f32(f[13], rows * cmK).slice(),
        ioff: offsets, icol: arena.i32(f[15], pairs).slice(), iw: arena.f32(f[16], pairs).slice(),
        rhs: arena.f64(rhs, rows).slice(), x0: arena.f64(x, rows).slice(), uidx: arena.i32(unknownIndex, width * height).slice(),
        rgb: photo.data, ax0: arena.f64(y, rows).slice(),
      };
      const base = path.join(out, `${name}-${set}`);
      for (const [part, a] of Object.entries(parts)) await writeFile(`${base}.${part}`, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      await writeFile(`${base}.json`, JSON.stringify({ rows, half, cmK, width, height, estimates: ku !== undefined }));
      console.log(`${name} ${set}: ${rows} rows -> ${base}.*`);
    });
  }
}
engine.close();
