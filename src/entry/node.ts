// Node, Deno and Bun: the module is read from the file beside the package's JavaScript.
import { readFile } from "node:fs/promises";
import { bindApi } from "../api.js";

const api = bindApi(async () => WebAssembly.compile(await readFile(new URL("../matting.wasm", import.meta.url))));

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
