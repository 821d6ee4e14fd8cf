// quick comparison (draft)
import path from "node:path";
import { createMatting } from "../dist/entry/node.js";
import { DEFAULT_LOWRES, imageNames, readFirstChannel, readRgb, parseList } from "./common.js";
import { parseArgs } from "node:util";
const { values: args } = parseArgs({ options: { images: { type: "string" }, trimaps: { type: "string" }, method: { type: "string" } } });
const names = imageNames(path.join(DEFAULT_LOWRES, "input"), parseList(args.images));
const method = args.method ?? "ifm";
const m = await createMatting();
let tc = 0, ti = 0; const mem: number[] = []; const times: number[] = [];
for (const t of (parseList(args.trimaps) ?? ["trimap1", "trimap2"])) for (const name of names) {
  const image = await readRgb(path.join(DEFAULT_LOWRES, "input", `${name}.png`));
  const trimap = await readFirstChannel(path.join(DEFAULT_LOWRES, t, `${name}.png`));
  const a = await m.estimateAlpha(image, trimap, { method: "cf" });
  const b = await m.estimateAlpha(image, trimap, { method: method as never });
  const ms = b.stats.milliseconds as any;
  tc += a.stats.milliseconds.total; ti += b.stats.milliseconds.total;
  mem.push(b.stats.peakBytes / a.stats.peakBytes); times.push(b.stats.milliseconds.total / a.stats.milliseconds.total);
  console.log(name, t, b.stats.unknownPixels, "cf", a.stats.milliseconds.total.toFixed(0), a.stats.iterations, "ifm", ms.total.toFixed(0), `(l ${ms.laplacian.toFixed(0)} s ${ms.solve.toFixed(0)})`, b.stats.iterations,
    "time x", (b.stats.milliseconds.total / a.stats.milliseconds.total).toFixed(2), "mem x", (b.stats.peakBytes / a.stats.peakBytes).toFixed(2));
}
console.log("total ratio", (ti / tc).toFixed(2), "max mem", Math.max(...mem).toFixed(2), "median time", times.sort((a,b)=>a-b)[times.length>>1].toFixed(2));
