// How large an input the command line decodes. Both limits are checked on the file's header, before any pixel
// is decoded, so a small file that declares a huge picture (a decompression bomb) costs milliseconds.

/**
 * Default of --max-pixels: 100 million pixels (say 12000x8333). It takes the largest full-frame photos
 * (61 million) and is below the 119 million that wasm32 could hold at all (wasmBytesAtLeast).
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** All of wasm32's memory. */
export const WASM32_BYTES = 4 * 1024 ** 3;

/**
 * The WebAssembly memory closed-form matting needs for a photo before any unknown pixel is counted: the
 * library's 33 bytes a pixel (colours as three f64, labels, two i32 indices; BYTES_PER_PIXEL in src/alpha.ts)
 * plus its copy of the samples the CLI passes (RGB bytes, or three f32 for 16-bit files). A lower bound: the
 * library asks for more once it has counted the unknown pixels, and tests check it never asks for less.
 */
export function wasmBytesAtLeast(pixels: number, sixteenBit: boolean): number {
  return pixels * (33 + (sixteenBit ? 12 : 3));
}

/** 268402689 -> "268.4 million"; below a million, the number itself. */
export function formatPixels(pixels: number): string {
  return pixels >= 1e6 ? `${(pixels / 1e6).toFixed(1).replace(/\.0$/, "")} million` : String(pixels);
}
