// A deterministic test scene for the runtime examples (Deno, Bun): a textured disc with a soft edge over a
// colour gradient, and a trimap whose unknown band (half-width `band` pixels) covers the edge. No decoder
// needed in any runtime.

export interface Scene {
  image: { width: number; height: number; data: Uint8Array };
  trimap: { width: number; height: number; data: Uint8Array };
}

export function makeScene(width = 96, height = 64, band = 4): Scene {
  const image = new Uint8Array(width * height * 3);
  const trimap = new Uint8Array(width * height);
  const cx = width / 2, cy = height / 2, radius = Math.min(width, height) * 0.3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const distance = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      // Coverage falls linearly across 3 pixels at the disc's rim.
      const coverage = Math.min(1, Math.max(0, (radius + 1.5 - distance) / 3));
      const stripe = (x + y) % 6 < 3 ? 1 : 0;
      const foreground = [220 - 40 * stripe, 150 + 30 * stripe, 40];
      const background = [30 + (x * 150) / width, 60, 90 + (y * 120) / height];
      for (let c = 0; c < 3; c++) {
        image[i * 3 + c] = Math.round(coverage * foreground[c] + (1 - coverage) * background[c]);
      }
      trimap[i] = distance < radius - band ? 255 : distance > radius + band ? 0 : 128;
    }
  }
  return { image: { width, height, data: image }, trimap: { width, height, data: trimap } };
}

/** Sum of alpha and of alpha weighted by pixel index: two numbers that change when any pixel does. */
export function checksum(alpha: Float32Array): { sum: number; weighted: number } {
  let sum = 0, weighted = 0;
  for (let i = 0; i < alpha.length; i++) {
    sum += alpha[i];
    weighted += alpha[i] * ((i % 97) + 1);
  }
  return { sum, weighted };
}
