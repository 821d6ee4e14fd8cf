// Cloudflare workerd forbids compiling bytes at run time: the module is imported, which the
// bundler or the worker's module list turns into a precompiled WebAssembly.Module.
import wasm from "../matting.wasm";
import { bindApi } from "../api.js";

const api = bindApi(async () => wasm);

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
