// The public API. Each runtime entry (src/entry/*) exports exactly this surface; this file gives its types.
export * from "./entry/node.js";
