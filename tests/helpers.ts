// Shared helpers for tests: the built engine (one thread or a team of Node worker threads), and random numbers.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { Engine } from "../dist/engine.js";
import type { SpawnThread } from "../dist/team.js";

const wasmUrl = (name: string) => new URL(`../dist/${name}`, import.meta.url);

/** A fresh engine on the release (SIMD) build or on its scalar twin. */
export async function makeEngine(build: "release" | "scalar" = "release"): Promise<Engine> {
  const bytes = await readFile(wasmUrl(build === "release" ? "matting.wasm" : "matting-scalar.wasm"));
  return Engine.create(await WebAssembly.compile(bytes));
}

export async function compiledModule(build: "release" | "scalar" = "release"): Promise<WebAssembly.Module> {
  const bytes = await readFile(wasmUrl(build === "release" ? "matting.wasm" : "matting-scalar.wasm"));
  return WebAssembly.compile(bytes);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The threads build of the wasm, compiled. */
export const threadModule = async () => WebAssembly.compile(await readFile(wasmUrl("matting-threads.wasm")));

/** What the Node entry does to start a solver thread. */
export const spawnNodeThread: SpawnThread = (init) => new Promise((resolve, reject) => {
  const worker = new Worker(new URL("../dist/thread/node.js", import.meta.url), { workerData: init });
  worker.once("error", reject);
  worker.once("message", () => {
    worker.unref();
    resolve({ terminate: () => void worker.terminate() });
  });
});

/** An engine with a team of `count` threads on the threads build. */
export async function threadEngine(count: number): Promise<Engine> {
  return Engine.create(await compiledModule(), undefined, { count, module: await threadModule(), spawn: spawnNodeThread });
}

/**
 * One engine per build and thread count, for tests that compare a kernel over all of them: "release", "scalar",
 * and "threads N" for each N of `threadCounts` (the threads build with N Node worker threads). Close them after.
 */
export async function enginesOfEveryBuild(threadCounts: number[]): Promise<Map<string, Engine>> {
  const engines = new Map<string, Engine>();
  engines.set("release", await Engine.create(await compiledModule("release")));
  engines.set("scalar", await Engine.create(await compiledModule("scalar")));
  const module = await threadModule();
  for (const count of threadCounts) {
    const engine = await Engine.create(await compiledModule(), undefined, { count, module, spawn: spawnNodeThread });
    if (engine.threads !== count) throw new Error(`asked for ${count} threads, the engine has ${engine.threads}`);
    engines.set(`threads ${count}`, engine);
  }
  return engines;
}
