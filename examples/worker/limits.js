// The worker's limits, in one place so that tests can check them against the engine they protect.

// Workers allow 128 MB per isolate, JavaScript included, and going over ends the isolate with every request
// it serves. Capping the engine's wasm memory turns an image too large for that into a 413 answer instead.
export const MAX_WASM_BYTES = 96 * 1024 * 1024;

// Before its first unknown pixel the engine holds 33 bytes per pixel (the photo's planes, labels and alpha) and
// a copy of the photo's samples (3 or 4 bytes): an image with more pixels than this can never fit its memory,
// so the PNG headers are checked against it before anything is inflated.
export const MIN_WASM_BYTES_PER_PIXEL = 33 + 3;
export const MAX_PIXELS = Math.floor(MAX_WASM_BYTES / MIN_WASM_BYTES_PER_PIXEL);

// Two PNGs at the pixel cap, as ordinary 8-bit files, fit well within this; it bounds what a request may make
// the isolate hold before a single header is read.
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
