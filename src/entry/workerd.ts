// Cloudflare workerd forbids compiling bytes at run time: the module is imported, which the
// bundler or the worker's module list turns into a precompiled WebAssembly.Module.
import wasm from "../matting.wasm";
import { bindApi } from "../api.js";

const api = bindApi(async () => wasm);

export const createMatting = api.createMatting;
export const estimateAlpha = api.estimateAlpha;
export * from "../common.js";
