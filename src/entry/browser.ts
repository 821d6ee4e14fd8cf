// Browsers and bundlers: the module is fetched from beside this script. Bundlers (webpack 5, Vite)
// see `new URL("...", import.meta.url)` and emit the .wasm as an asset, and the thread script as a
// worker. Threads need a cross-origin isolated page (COOP/COEP headers) for shared memory.
import { bindApi } from "../api.js";

async function compileBeside(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === "file:") {
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises" as string);
    return WebAssembly.compile(await readFile(url));
  }
  const response = fetch(url);
  if (typeof WebAssembly.compileStreaming === "function") {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch {
      // Servers that send the wrong MIME type: fall back to compiling the bytes.
    }
  }
  const res = await response;
  if (!res.ok) throw new Error(`HTTP ${res.status} fetching ${url}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

const api = bindApi(() => compileBeside(new URL("../matting.wasm", import.meta.url)), {
  available: () => typeof SharedArrayBuffer === "function" && typeof Worker === "function" && globalThis.crossOriginIsolated !== false,
  loadModule: () => compileBeside(new URL("../matting-threads.wasm", import.meta.url)),
  spawn: (init) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL("../thread/web.js", import.meta.url), { type: "module" });
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`solver thread failed to start: ${event.message}`));
    };
    worker.onmessage = (event: MessageEvent<"ready" | { lost: string }>) => {
      if (event.data !== "ready") {
        worker.terminate();
        reject(new Error(`solver thread failed to start: ${event.data.lost}`));
        return;
      }
      worker.onerror = null;
      resolve({
        terminate: () => worker.terminate(),
        // A Web Worker has no exit event: a thread that fails posts { lost } and fires its error event (thread/web.ts).
        watch: (onLost) => {
          worker.onerror = (event) => onLost(`a solver thread failed: ${event.message}`);
          worker.onmessage = (event: MessageEvent<{ lost?: string }>) => {
            if (event.data?.lost !== undefined) onLost(`a solver thread failed: ${event.data.lost}`);
          };
        },
      });
    };
    worker.postMessage(init);
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
