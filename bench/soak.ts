// Soak: many mixed calls on engines of one and two threads (valid ones with known answers, invalid ones with known
// error codes, calls aborted while running and while queued), then memory, failures and abort latency.
// npm run soak -- [--calls N] [--seed S]
import { parseArgs } from "node:util";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { Table, fixed, formatBytes, machineHeader, median, parsePositive, random } from "./common.js";

const { values: args } = parseArgs({ options: { calls: { type: "string" }, seed: { type: "string" } } });
const totalCalls = parsePositive(args.calls, "calls", 1200, true);
const seed = parsePositive(args.seed, "seed", 1, true);

const next = random(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];

interface Scene {
  name: string;
  image: { width: number; height: number; data: Uint8Array };
  trimap: { width: number; height: number; data: Uint8Array };
}

/** A soft two-colour blend with a wavy unknown band of 60% of the width between foreground and background. */
function scene(name: string, width: number, height: number): Scene {
  const data = new Uint8Array(width * height * 3);
  const trimap = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = 0.5 + 0.5 * Math.sin(x * 0.07 + y * 0.05);
      for (let c = 0; c < 3; c++) {
        const shade = 0.8 + 0.2 * Math.sin(x * 0.3 + c);
        data[3 * i + c] = Math.round(255 * (a * [0.9, 0.6, 0.2][c] + (1 - a) * [0.1, 0.3, 0.8][c] * shade));
      }
      const d = x - width / 2 - 10 * Math.sin(y * 0.1);
      trimap[i] = d < -width * 0.3 ? 255 : d > width * 0.3 ? 0 : 128;
    }
  }
  return { name, image: { width, height, data }, trimap: { width, height, data: trimap } };
}

// Small scenes for the bulk; "wide" has enough unknowns (16,801) for two threads to split the solve; "abortable"
// runs for a few hundred milliseconds, long enough to be aborted while running or to hold a queued call back.
const small = [scene("40x30", 40, 30), scene("64x48", 64, 48), scene("33x57", 33, 57)];
const wide = scene("200x140", 200, 140);
const abortable = scene("120x90", 120, 90);
const TOLERANCE = 1e-8;

type Kind = "alpha" | "matte" | "foreground" | "cutout" | "composite" | "trimapFromMask" | "trimapFromAlpha" | "trimapStats";
const failures = new Map<string, number>();
const calls = new Map<string, number>();
const failure = (kind: string, detail: string) => {
  failures.set(kind, (failures.get(kind) ?? 0) + 1);
  if ((failures.get(kind) ?? 0) <= 3) console.log(`# failure (${kind}): ${detail}`);
};
const counted = (kind: string) => calls.set(kind, (calls.get(kind) ?? 0) + 1);

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

// ---- answers computed once on a fresh one-thread engine ----------------------------------------------------

const referenceEngine = await createMatting();
const alphaKey = (s: Scene, radius: number) => `${s.name} r${radius}`;
const expectedAlpha = new Map<string, Float32Array>();
async function expectedAlphaOf(s: Scene, radius: number): Promise<Float32Array> {
  const key = alphaKey(s, radius);
  if (!expectedAlpha.has(key)) expectedAlpha.set(key, (await referenceEngine.estimateAlpha(s.image, s.trimap, { radius, tolerance: TOLERANCE })).alpha);
  return expectedAlpha.get(key)!;
}
const helpers = new Map<string, { foreground: Float32Array; cutout: Uint8ClampedArray; composite: Uint8ClampedArray; mask: Uint8Array; levels: Uint8Array; stats: string }>();
for (const s of small) {
  const alpha = await expectedAlphaOf(s, 1);
  const { foreground } = await referenceEngine.estimateForeground(s.image, alpha);
  const fg = { width: s.image.width, height: s.image.height, data: foreground };
  helpers.set(s.name, {
    foreground,
    cutout: (await referenceEngine.cutout(fg, alpha)).data,
    composite: (await referenceEngine.composite(fg, alpha, "#2d6cdf")).data,
    mask: (await referenceEngine.trimapFromMask(s.trimap, { foreground: 3, background: 2 })).data,
    levels: (await referenceEngine.trimapFromAlpha({ width: s.image.width, height: s.image.height, data: alpha }, { band: 1 })).data,
    stats: JSON.stringify(await referenceEngine.trimapStats(s.trimap)),
  });
}
for (const radius of [1, 2, 3]) await expectedAlphaOf(abortable, radius);
for (const radius of [1, 2]) await expectedAlphaOf(wide, radius);
referenceEngine.close();

const engines: { name: string; matting: Matting; tolerance: number }[] = [
  // One thread must repeat the reference exactly; two threads may differ in rounding only.
  { name: "1 thread", matting: await createMatting(), tolerance: 0 },
  { name: "2 threads", matting: await createMatting({ threads: 2 }), tolerance: 1e-4 },
];
const memory = () => engines.map((e) => `${e.name} wasm ${formatBytes(e.matting.wasmMemoryBytes)}`).join(", ")
  + `, RSS ${formatBytes(process.memoryUsage().rss)}`;

console.log(machineHeader());
console.log(`# soak: ${totalCalls} calls, seed ${seed}; engines of ${engines.map((e) => e.matting.threads).join(" and ")} threads`);
console.log(`# start: ${memory()}`);
const started = performance.now();

// ---- valid calls ------------------------------------------------------------------------------------------

async function validCall(engine: (typeof engines)[number], kind: Kind): Promise<void> {
  const m = engine.matting;
  counted(`valid ${kind}`);
  const s = kind === "alpha" && next() < 0.05 ? wide : pick(small);
  const radius = s === wide ? pick([1, 2]) : pick([1, 2, 3]);
  const answers = helpers.get(s.name);
  const alpha = await expectedAlphaOf(s, s === wide ? radius : kind === "alpha" || kind === "matte" ? radius : 1);
  const { width, height } = s.image;
  const fg = answers && { width, height, data: answers.foreground };
  const compare = (what: string, difference: number, tolerance = engine.tolerance) => {
    if (!(difference <= tolerance)) failure(`wrong ${what}`, `${engine.name}, ${s.name}, radius ${radius}: differs by ${difference}`);
  };
  try {
    switch (kind) {
      case "alpha": compare("alpha", maxDifference((await m.estimateAlpha(s.image, s.trimap, { radius, tolerance: TOLERANCE })).alpha, alpha)); break;
      case "matte": compare("alpha", maxDifference((await m.matte(s.image, s.trimap, { radius, tolerance: TOLERANCE })).alpha, alpha)); break;
      case "foreground": compare("foreground", maxDifference((await m.estimateForeground(s.image, alpha)).foreground, answers!.foreground), 1e-6); break;
      case "cutout": compare("cutout", maxDifference((await m.cutout(fg!, alpha)).data, answers!.cutout), 0); break;
      case "composite": compare("composite", maxDifference((await m.composite(fg!, alpha, "#2d6cdf")).data, answers!.composite), 0); break;
      case "trimapFromMask": compare("trimap", maxDifference((await m.trimapFromMask(s.trimap, { foreground: 3, background: 2 })).data, answers!.mask), 0); break;
      case "trimapFromAlpha": compare("trimap", maxDifference((await m.trimapFromAlpha({ width, height, data: alpha }, { band: 1 })).data, answers!.levels), 0); break;
      case "trimapStats": if (JSON.stringify(await m.trimapStats(s.trimap)) !== answers!.stats) failure("wrong trimapStats", s.name); break;
    }
  } catch (error) {
    failure("unexpected error", `${engine.name} ${kind} on ${s.name}: ${String(error)}`);
  }
}

// ---- invalid calls, each with the code it must give --------------------------------------------------------

const s0 = small[0];
const { width: w0, height: h0 } = s0.image;
const invalidCalls: [string, (m: Matting) => Promise<unknown>][] = [
  ["BAD_CHANNELS", (m) => m.estimateAlpha({ width: w0, height: h0, data: new Uint8Array(w0 * h0 * 2) }, s0.trimap)],
  ["SIZE_MISMATCH", (m) => m.estimateAlpha(s0.image, small[1].trimap)],
  ["INVALID_VALUE", (m) => m.estimateForeground(s0.image, new Float32Array(w0 * h0).fill(Number.NaN))],
  ["INVALID_OPTION", (m) => m.estimateAlpha(s0.image, s0.trimap, { radius: 9 })],
  ["INVALID_OPTION", (m) => m.estimateForeground(s0.image, new Float32Array(w0 * h0), { regularization: 1e-9 })],
  ["NO_BACKGROUND", (m) => m.estimateAlpha(s0.image, { width: w0, height: h0, data: s0.trimap.data.map((v) => (v === 0 ? 128 : v)) })],
  ["EMPTY_IMAGE", (m) => m.trimapStats({ width: 0, height: 3, data: new Uint8Array(0) })],
  ["INVALID_INPUT", (m) => m.composite(s0.image, new Float32Array(w0 * h0), [Symbol("r"), 0, 0] as never)],
  ["INVALID_INPUT", (m) => m.estimateAlpha({ width: w0, height: h0, data: new Int16Array(w0 * h0 * 3) } as never, s0.trimap)],
  ["INVALID_OPTION", (m) => m.trimapFromAlpha(s0.trimap, { low: 0.9, high: 0.1 })],
  ["ABORTED", (m) => m.matte(s0.image, s0.trimap, { signal: AbortSignal.abort() })],
  ["TOO_LARGE", (m) => m.trimapStats({ width: 2 ** 21, height: 1, data: new Uint8Array(2 ** 21) })],
];

async function invalidCall(engine: (typeof engines)[number]): Promise<void> {
  const [code, call] = pick(invalidCalls);
  counted(`invalid (${code})`);
  try {
    await call(engine.matting);
    failure("invalid call succeeded", `${engine.name}, expected ${code}`);
  } catch (error) {
    if (!(error instanceof MattingError)) failure("unexpected error", `${engine.name}, expected ${code}: ${String(error)}`);
    else if (error.code !== code) failure("wrong error code", `${engine.name}: ${error.code} instead of ${code}`);
  }
}

// ---- aborts -----------------------------------------------------------------------------------------------

const latencies = { running: [] as number[], queued: [] as number[] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits `delay` ms, aborts `promise`'s call with `controller` and returns the milliseconds from when the abort was
 * due until the call rejected, or undefined if it finished first. Counting from the due time, not from the
 * abort() call, charges a blocked event loop (which delays the timer itself) to the latency.
 */
async function abortLatency(promise: Promise<unknown>, controller: AbortController, delay: number): Promise<number | undefined> {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  const due = performance.now() + delay;
  await sleep(delay);
  if (settled) return undefined;
  controller.abort();
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (!(error instanceof MattingError && error.code === "ABORTED")) failure("unexpected error", `abort gave ${String(error)}`);
    return performance.now() - due;
  }
}

async function abortRunning(engine: (typeof engines)[number]): Promise<void> {
  counted("aborted while running");
  const controller = new AbortController();
  const radius = pick([1, 2, 3]);
  const call = engine.matting.estimateAlpha(abortable.image, abortable.trimap, { radius, tolerance: TOLERANCE, signal: controller.signal });
  const latency = await abortLatency(call, controller, 2 + next() * 60);
  if (latency === undefined) counted("  (finished before its abort)");
  else latencies.running.push(latency);
}

async function abortQueued(engine: (typeof engines)[number]): Promise<void> {
  counted("aborted while queued");
  const radius = pick([1, 2]);
  const ahead = engine.matting.estimateAlpha(abortable.image, abortable.trimap, { radius, tolerance: TOLERANCE });
  const controller = new AbortController();
  const queued = engine.matting.estimateAlpha(small[0].image, small[0].trimap, { signal: controller.signal });
  const latency = await abortLatency(queued, controller, 2 + next() * 20);
  if (latency === undefined) counted("  (finished before its abort)");
  else latencies.queued.push(latency);
  const difference = maxDifference((await ahead).alpha, await expectedAlphaOf(abortable, radius));
  if (!(difference <= engine.tolerance)) failure("wrong alpha", `${engine.name}, call ahead of an aborted one, radius ${radius}: differs by ${difference}`);
}

// ---- the mix ----------------------------------------------------------------------------------------------

const validKinds: Kind[] = ["alpha", "alpha", "matte", "foreground", "cutout", "composite", "trimapFromMask", "trimapFromAlpha", "trimapStats"];
let issued = 0;
let warmedUp = false;
while (issued < totalCalls) {
  if (!warmedUp && issued >= totalCalls / 10) {
    console.log(`# after ${issued} calls: ${memory()}`);
    warmedUp = true;
  }
  const engine = pick(engines);
  const u = next();
  if (u < 0.15) {
    await abortRunning(engine);
    issued += 1;
  } else if (u < 0.3) {
    await abortQueued(engine);
    issued += 2;
  } else {
    // A batch of overlapping calls on one engine: they queue, and each must still give its own answer.
    const batch = Math.min(1 + Math.floor(next() * 4), totalCalls - issued);
    await Promise.all(Array.from({ length: batch }, () => (next() < 0.3 ? invalidCall(engine) : validCall(engine, pick(validKinds)))));
    issued += batch;
  }
}
const seconds = (performance.now() - started) / 1000;

// ---- report -----------------------------------------------------------------------------------------------

console.log(`# end: ${memory()}`);
console.log(`# ${issued} calls in ${seconds.toFixed(0)} s`);
const callTable = new Table([{ title: "calls", width: 34, align: "left" }, { title: "count", width: 6 }]);
callTable.header();
for (const [kind, count] of calls) callTable.row([kind, String(count)]);
console.log(failures.size === 0 ? "\nfailures: none" : "\nfailures:");
for (const [kind, count] of failures) console.log(`  ${kind}: ${count}`);
console.log("");
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const abortTable = new Table([
  { title: "abort latency (ms)", width: 20, align: "left" }, { title: "n", width: 4 }, { title: "p50", width: 7 }, { title: "p99", width: 7 },
  { title: "max", width: 7 },
]);
abortTable.header();
for (const [what, values] of Object.entries(latencies)) {
  abortTable.row([`while ${what}`, String(values.length), fixed(median(values), 1), fixed(percentile(values, 99), 1), fixed(Math.max(...values), 1)]);
}
console.log("");
for (const { matting } of engines) matting.close();
