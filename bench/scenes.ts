// Synthetic scenes with known alpha, composited I = alpha F + (1 - alpha) B from generated foregrounds and
// backgrounds: a soft gradient, semi-transparent veils, thin strands, holes and lace. The photos of the
// alphamatting set are mostly opaque objects with hair; these show at once a change that helps them but hurts
// transparent or soft objects. Deterministic (seeded), 8-bit like a photo.
import type { Matting } from "../dist/entry/node.js";
import { Table, fixed, mean, random } from "./common.js";
import { scoreMatte } from "./metrics.js";

export interface Scene {
  name: string;
  width: number;
  height: number;
  image: Uint8Array; // RGB
  trimap: Uint8Array; // 0 / 128 / 255
  alpha: Float32Array; // the truth
}


type Texture = (x: number, y: number) => [number, number, number];

/** A colour field: a base colour varied by a few random plane waves (amplitude `amount`), plus fine noise. */
function texture(seed: number, base: [number, number, number], amount: number, frequency: number): Texture {
  const next = random(seed);
  const waves = Array.from({ length: 4 }, () => ({
    fx: (next() - 0.5) * frequency, fy: (next() - 0.5) * frequency, phase: next() * 6.283, weights: [next() - 0.5, next() - 0.5, next() - 0.5],
  }));
  return (x, y) => base.map((b, c) => {
    let v = b;
    for (const w of waves) v += amount * w.weights[c] * Math.sin(w.fx * x + w.fy * y + w.phase);
    return Math.min(1, Math.max(0, v));
  }) as [number, number, number];
}

const smoothstep = (e0: number, e1: number, v: number) => {
  const t = Math.min(1, Math.max(0, (v - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Unknown wherever alpha is strictly between 0 and 1, widened by `band` pixels; elsewhere alpha's 0 or 1. */
function trimapFrom(alpha: Float32Array, width: number, height: number, band: number): Uint8Array {
  const soft = Uint8Array.from(alpha, (a) => (a > 0.002 && a < 0.998 ? 1 : 0));
  const trimap = Uint8Array.from(alpha, (a) => (a >= 0.5 ? 255 : 0));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!soft[y * width + x]) continue;
      for (let yy = Math.max(0, y - band); yy <= Math.min(height - 1, y + band); yy++) {
        for (let xx = Math.max(0, x - band); xx <= Math.min(width - 1, x + band); xx++) trimap[yy * width + xx] = 128;
      }
    }
  }
  return trimap;
}

function compose(name: string, width: number, height: number, alphaAt: (x: number, y: number) => number, fg: Texture, bg: Texture, band: number, seed: number): Scene {
  const next = random(seed);
  const alpha = new Float32Array(width * height);
  const image = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = Math.min(1, Math.max(0, alphaAt(x, y)));
      alpha[y * width + x] = a;
      const f = fg(x, y), b = bg(x, y);
      for (let c = 0; c < 3; c++) image[(y * width + x) * 3 + c] = Math.round(255 * (a * f[c] + (1 - a) * b[c]) + (next() - 0.5));
    }
  }
  return { name, width, height, image, trimap: trimapFrom(alpha, width, height, band), alpha };
}

const W = 160, H = 120;

/** The scenes, each 160x120. */
export function syntheticScenes(): Scene[] {
  const background = texture(1, [0.35, 0.55, 0.3], 0.5, 0.25);
  const darkBackground = texture(2, [0.2, 0.25, 0.5], 0.4, 0.3);
  const strandCurves = Array.from({ length: 14 }, (_, i) => {
    const next = random(100 + i);
    return { y0: 20 + next() * 80, bend: (next() - 0.5) * 40, phase: next() * 6.28, width: 0.6 + next() * 1.2 };
  });
  const holes = Array.from({ length: 9 }, (_, i) => {
    const next = random(200 + i);
    return { cx: 30 + next() * 100, cy: 25 + next() * 70, r: 3 + next() * 10 };
  });
  return [
    // A wide soft edge (motion blur, defocus): alpha ramps over 40 pixels.
    compose("soft gradient", W, H, (x, y) => smoothstep(50, 110, x + 10 * Math.sin(y / 15)), texture(3, [0.85, 0.5, 0.3], 0.3, 0.2), background, 2, 11),
    // A thin veil over the middle, held by an opaque band on the left: alpha 0.3-0.6 with a weave.
    compose("veil", W, H, (x, y) => (x < 25 ? 1 : x > 140 ? 0 : 0.45 + 0.15 * Math.sin(x * 0.9) * Math.sin(y * 0.9)),
      texture(4, [0.95, 0.95, 0.92], 0.08, 0.1), background, 2, 12),
    // A coloured chiffon: lower alpha, colour close to parts of the background.
    compose("chiffon", W, H, (x, y) => (x < 20 ? 1 : x > 145 ? 0 : 0.25 + 0.1 * Math.sin(0.3 * x + 0.2 * y) + 0.05 * Math.sin(1.7 * y)),
      texture(5, [0.8, 0.3, 0.4], 0.1, 0.1), darkBackground, 2, 13),
    // Hair-like strands leaving an opaque body on the left.
    compose("strands", W, H, (x, y) => {
      if (x < 30) return 1;
      let a = 0;
      for (const s of strandCurves) {
        const centre = s.y0 + s.bend * Math.sin(x / 40 + s.phase) * (x / W);
        const fade = x < 140 - 30 * Math.sin(s.phase) ? 1 : 0;
        a = Math.max(a, fade * smoothstep(s.width + 0.8, s.width - 0.4, Math.abs(y - centre)));
      }
      return a;
    }, texture(6, [0.3, 0.2, 0.1], 0.15, 0.2), texture(7, [0.75, 0.8, 0.85], 0.3, 0.2), 3, 14),
    // An opaque plate with round holes of several sizes, anti-aliased edges.
    compose("holes", W, H, (x, y) => {
      if (x < 15 || x > 145 || y < 10 || y > 110) return 0;
      let a = 1;
      for (const h of holes) a = Math.min(a, smoothstep(h.r - 0.7, h.r + 0.7, Math.hypot(x - h.cx, y - h.cy)));
      return a;
    }, texture(8, [0.6, 0.6, 0.65], 0.2, 0.15), darkBackground, 3, 15),
    // Lace: a fine periodic net of thin opaque threads with transparent cells, on an opaque border.
    compose("lace", W, H, (x, y) => {
      if (y < 15) return 1;
      if (y > 105) return 0;
      const gx = Math.abs(((x + 3) % 8) - 4), gy = Math.abs(((y + 3) % 8) - 4);
      return Math.max(smoothstep(3.2, 4, gx), smoothstep(3.2, 4, gy), 0.15);
    }, texture(9, [0.97, 0.96, 0.9], 0.05, 0.1), background, 1, 16),
  ];
}

/** Runs every method on every scene, prints SAD, MSE and Gradient per scene and the mean SADs; returns the SADs. */
export async function runScenes(matting: Matting, methods: string[]): Promise<{ name: string; sad: Record<string, number> }[]> {
  const scenes = syntheticScenes();
  console.log(`\n## Synthetic scenes (${W}x${H}, known alpha): SAD / MSE x1e3 / Grad over the unknown pixels`);
  const table = new Table([
    { title: "scene", width: 13, align: "left" }, { title: "unknown", width: 7 },
    ...methods.flatMap((m) => [{ title: `${m} SAD`, width: 9 }, { title: `${m} MSE`, width: 9 }, { title: `${m} Grad`, width: 9 }]),
  ]);
  table.header();
  const results: { name: string; sad: Record<string, number> }[] = [];
  for (const scene of scenes) {
    const unknown = Uint8Array.from(scene.trimap, (v) => (v === 128 ? 1 : 0));
    const cells: string[] = [scene.name, String(unknown.reduce((s, v) => s + v, 0))];
    const sad: Record<string, number> = {};
    for (const method of methods) {
      const { alpha } = await matting.estimateAlpha({ width: scene.width, height: scene.height, data: scene.image },
        { width: scene.width, height: scene.height, data: scene.trimap }, { method } as never);
      const scores = scoreMatte({ width: scene.width, height: scene.height, predicted: alpha, truth: scene.alpha, unknown });
      sad[method] = scores.sad;
      cells.push(fixed(scores.sad, 3), fixed(scores.mse * 1e3, 3), fixed(scores.gradient, 3));
    }
    results.push({ name: scene.name, sad });
    table.row(cells);
  }
  table.row(["mean", "", ...methods.flatMap((m) => [fixed(mean(results.map((r) => r.sad[m])), 3), "", ""])]);
  return results;
}
