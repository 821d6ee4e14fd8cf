// Node, Deno and Bun: the module is read from the file beside the package's JavaScript; solver
// threads are worker_threads running ../thread/node.js.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { bindApi } from "../api.js";

const compileFile = async (name: string) => WebAssembly.compile(await readFile(new URL(`../${name}`, import.meta.url)));

const api = bindApi(() => compileFile("matting.wasm"), {
  available: () => typeof SharedArrayBuffer === "function",
  loadModule: () => compileFile("matting-threads.wasm"),
  spawn: (init) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL("../thread/node.js", import.meta.url), { workerData: init });
    worker.once("error", reject);
    worker.once("message", () => {
      worker.off("error", reject);
      worker.unref(); // an idle engine must not keep the process alive
      resolve({
        terminate: () => worker.terminate(),
        watch: (onLost) => {
          worker.once("error", (error) => onLost(`a solver thread failed: ${String(error)}`));
          worker.once("exit", (code) => onLost(`a solver thread exited (code ${code})`));
        },
      });
    });
  }),
});

export const createMatting = api.createMatting;
export const estimateAlpha = api.estimateAlpha;
export const estimateForeground = api.estimateForeground;
export const matte = api.matte;
export const cutout = api.cutout;
export const composite = api.composite;
export const trimapFromMask = api.trimapFromMask;
export const trimapFromAlpha = api.trimapFromAlpha;
export const trimapStats = api.trimapStats;
export * from "../common.js";
// Node only: a pool of worker threads, one engine each (src/pool.ts).
export { createMattePool, type CreateMattePoolOptions, type MattePool } from "../pool.js";
