// Plain references of the 16-bit input conversions (assembly/convert16.ts): samples in 0..65535, the first
// three of each pixel's `channels` RGB, the first one alone for trimaps, masks and alphas.

export const FULL_16 = 65535;

/** f64 RGB in [0, 1] (imageFrom16). */
export function rgbFrom16(src: Uint16Array, pixels: number, channels: number): Float64Array {
  const out = new Float64Array(pixels * 3);
  for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = src[i * channels + c] * (1 / FULL_16);
  return out;
}

/** f32 RGB in [0, 1] padded with a zero fourth lane (paddedFrom16): f32 sample times the f32 of 1/65535. */
export function paddedFrom16(src: Uint16Array, pixels: number, channels: number): Float32Array {
  const scale = Math.fround(1 / FULL_16);
  const out = new Float32Array(pixels * 4);
  for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) out[4 * i + c] = Math.fround(src[i * channels + c] * scale);
  return out;
}

/** The first channel as f32 in [0, 1] (planeFrom16). */
export function planeFrom16(src: Uint16Array, pixels: number, channels: number): Float32Array {
  const scale = Math.fround(1 / FULL_16);
  return Float32Array.from({ length: pixels }, (_, i) => Math.fround(src[i * channels] * scale));
}

/** 1 where the first channel is at least half the range (32768), else 0 (maskFrom16). */
export function maskFrom16(src: Uint16Array, pixels: number, channels: number): Uint8Array {
  return Uint8Array.from({ length: pixels }, (_, i) => (src[i * channels] >= 32768 ? 1 : 0));
}

/** Labels 0 background (sample 0), 1 foreground (65535), 2 unknown, and their counts (labelsFromTrimap16). */
export function labelsFrom16(src: Uint16Array, pixels: number, channels: number): { labels: Uint8Array; counts: number[] } {
  const labels = Uint8Array.from({ length: pixels }, (_, i) => (src[i * channels] === 0 ? 0 : src[i * channels] === FULL_16 ? 1 : 2));
  const counts = [0, 1, 2].map((label) => labels.filter((l) => l === label).length);
  return { labels, counts };
}
