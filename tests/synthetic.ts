// Synthetic images and trimaps for the oracle, property, error and memory tests.
import { random } from "./helpers.js";
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./reference/laplacian.js";

export interface Image8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Independent uniform RGB noise. */
export function noiseImage(width: number, height: number, seed: number): Image8 {
  const next = random(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(next() * 256)) };
}

/** Slowly varying colours (sums of a few random plane waves) plus a little noise: like a photo's smooth regions. */
export function smoothImage(width: number, height: number, seed: number): Image8 {
  const next = random(seed);
  const waves = Array.from({ length: 3 }, () => ({
    fx: (next() - 0.5) * 0.6, fy: (next() - 0.5) * 0.6, phase: next() * 6.28, weights: [next(), next(), next()],
  }));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0.5;
        for (const w of waves) v += 0.15 * w.weights[c] * Math.sin(w.fx * x + w.fy * y + w.phase);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255 + (next() - 0.5) * 6)));
      }
    }
  }
  return { width, height, data };
}

/**
 * One-channel 8-bit trimap: each pixel foreground, background or unknown at random with the given
 * share of unknowns (border pixels included), then three pixels forced so that every kind is present.
 */
export function randomTrimap(width: number, height: number, seed: number, unknownShare = 0.5): Image8 {
  const next = random(seed);
  const n = width * height;
  const data = Uint8Array.from({ length: n }, () => {
    const u = next();
    if (u < unknownShare) return 1 + Math.floor(next() * 254);
    return u < unknownShare + (1 - unknownShare) / 2 ? 255 : 0;
  });
  const forced = [0, Math.floor(n / 2), n - 1].map((p) => (p + Math.floor(next() * n)) % n);
  const distinct = [...new Set(forced)];
  // Three distinct pixels where there are three: the next one along that is not taken yet (the next one alone could
  // be the first again, and a 255 overwritten left a trimap with no foreground, which estimateAlpha refuses).
  while (distinct.length < 3) {
    let candidate = (distinct[distinct.length - 1] + 1) % n;
    while (n >= 3 && distinct.includes(candidate)) candidate = (candidate + 1) % n;
    distinct.push(candidate);
  }
  data[distinct[0]] = 255;
  data[distinct[1]] = 0;
  data[distinct[2]] = 128;
  return { width, height, data };
}

/** Foreground on the left, background on the right, unknown in a band of the given columns between. */
export function bandTrimap(width: number, height: number, unknownFrom: number, unknownTo: number): Image8 {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = x < unknownFrom ? 255 : x > unknownTo ? 0 : 128;
  }
  return { width, height, data };
}

/** Labels of an 8-bit trimap's first channel (documented rule: 0 background, 255 foreground, else unknown). */
export function labels8(trimap: Uint8Array, channels = 1): Uint8Array {
  return Uint8Array.from({ length: trimap.length / channels }, (_, i) => {
    const v = trimap[i * channels];
    return v === 0 ? BACKGROUND : v === 255 ? FOREGROUND : UNKNOWN;
  });
}

/** 8-bit RGB or RGBA samples -> f64 RGB in [0, 1], as the engine reads them. */
export function unitRgb(data: Uint8Array | Float32Array, channels: number): Float64Array {
  const scale = data instanceof Float32Array ? 1 : 1 / 255;
  const pixels = data.length / channels;
  const rgb = new Float64Array(pixels * 3);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < 3; c++) rgb[3 * p + c] = data[p * channels + c] * scale;
  return rgb;
}
