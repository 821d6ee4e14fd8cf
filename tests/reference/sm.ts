// A plain twin of shared matting as pymatting 1.1.15 computes it (Gastal and Oliveira 2010; estimate_alpha_sm),
// for the tests of assembly/methods/sm.ts: every phase by direct loops, no distance maps, no offset tables,
// no skipping along rays. F and B are rounded to f32 where pymatting stores them as f32, and the pair costs' and
// refinement's distortions, path energies and the smoothing passes' sums are computed in f32 as the kernel computes them.
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./laplacian.js";
import type { Picture } from "./pymatting.js";

export interface SharedOptions {
  expansionRadius: number;
  expansionThreshold: number;
  angles: number;
  weights: [number, number, number, number];
  npRadius: number;
  refinementRadius: number;
  radius1: number;
  radius2: number;
  radius3: number;
  sigmaSquared1: number;
  sigmaSquared2: number;
  sigmaSquared3: number;
}

export const SHARED_DEFAULTS: SharedOptions = {
  expansionRadius: 10, expansionThreshold: 0.02, angles: 4, weights: [3, 2, 1, 4], npRadius: 1, refinementRadius: 5,
  radius1: 5, radius2: 5, radius3: 5, sigmaSquared1: 121 / (9 * Math.PI), sigmaSquared2: 0.1, sigmaSquared3: 121 / (9 * Math.PI),
};

type Colour = [number, number, number];
const f32 = Math.fround;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (c: Colour): Colour => [f32(c[0]), f32(c[1]), f32(c[2])];

function estimateAlpha(c: Colour, f: Colour, b: Colour): number {
  const fb = [0, 1, 2].map((k) => f[k] - b[k]);
  const numerator = [0, 1, 2].reduce((s, k) => s + (c[k] - b[k]) * fb[k], 0);
  return clamp(numerator / (fb[0] ** 2 + fb[1] ** 2 + fb[2] ** 2 + 1e-5), 0, 1);
}

function distortion(c: Colour, f: Colour, b: Colour): number {
  const a = estimateAlpha(c, f, b);
  return f32([0, 1, 2].reduce((s, k) => s + (a * f[k] + (1 - a) * b[k] - c[k]) ** 2, 0));
}

/**
 * distortion in f32 arithmetic, every operation rounded, in the order of assembly/methods/sm-refine.ts and
 * sm-pair.ts (refinement and the pair costs compute there in f32, as pymatting does).
 */
function distortionF32(colour: Colour, f: Colour, b: Colour): number {
  const c = round(colour);
  const gap = [0, 1, 2].map((k) => f32(f[k] - b[k]));
  const denominator = f32(f32(f32(f32(gap[0] * gap[0]) + f32(gap[1] * gap[1])) + f32(gap[2] * gap[2])) + f32(1e-5));
  const term = (k: number) => f32(f32(c[k] - b[k]) * gap[k]);
  const a = clamp(f32(f32(f32(term(0) + term(1)) + term(2)) / denominator), 0, 1);
  const rest = f32(1 - a);
  const d = [0, 1, 2].map((k) => f32(f32(f32(a * f[k]) + f32(rest * b[k])) - c[k]));
  return f32(f32(f32(d[0] * d[0]) + f32(d[1] * d[1])) + f32(d[2] * d[2]));
}

export function sharedMattingAlpha(p: Picture, o: SharedOptions = SHARED_DEFAULTS): Float64Array {
  const { width: w, height: h, rgb } = p;
  const n = w * h;
  const colour = (i: number): Colour => [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]];
  // Expansion.
  const labels = Uint8Array.from(p.labels);
  if (o.expansionRadius > 0 && o.expansionThreshold > 0) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (p.labels[i] !== UNKNOWN) continue;
        let closest = Infinity;
        for (let y2 = y - o.expansionRadius; y2 <= y + o.expansionRadius; y2++) {
          for (let x2 = x - o.expansionRadius; x2 <= x + o.expansionRadius; x2++) {
            if (x2 < 0 || x2 >= w || y2 < 0 || y2 >= h) continue;
            const j = y2 * w + x2;
            if (p.labels[j] === UNKNOWN) continue;
            const cd = Math.sqrt([0, 1, 2].reduce((s, k) => s + (rgb[3 * i + k] - rgb[3 * j + k]) ** 2, 0));
            const sd = Math.hypot(x - x2, y - y2);
            if (cd > o.expansionThreshold || sd > o.expansionRadius) continue;
            if (sd < closest) {
              closest = sd;
              labels[i] = p.labels[j];
            }
          }
        }
      }
    }
  }
  const mean = (label: number): Colour => {
    const sum: Colour = [0, 0, 0];
    let count = 0;
    for (let i = 0; i < n; i++) if (labels[i] === label) { for (let k = 0; k < 3; k++) sum[k] += rgb[3 * i + k]; count++; }
    return [sum[0] / count, sum[1] / count, sum[2] / count];
  };
  const meanF = mean(FOREGROUND), meanB = mean(BACKGROUND);
  const at = (x: number, y: number) => clamp(y, 0, h - 1) * w + clamp(x, 0, w - 1);
  const pathEnergy = (px: number, py: number, sx: number, sy: number) => {
    const d = Math.hypot(sx - px, sy - py);
    if (d === 0) return 0;
    const steps = clamp(Math.ceil(d), 1, 10);
    const stepX = (sx - px) / steps, stepY = (sy - py) / steps;
    // In f32 arithmetic, every operation rounded, in the order of assembly/methods/sm-path.ts.
    const stepX32 = f32(stepX), stepY32 = f32(stepY);
    let result = 0;
    for (let i = 0; i <= steps; i++) {
      const qx = Math.trunc(px + i * stepX), qy = Math.trunc(py + i * stepX); // pymatting steps y by the x increment
      const squares = [0, 1, 2].map((k) => {
        const gx = f32(0.5 * (rgb[3 * at(qx + 1, qy) + k] - rgb[3 * at(qx - 1, qy) + k]));
        const gy = f32(0.5 * (rgb[3 * at(qx, qy + 1) + k] - rgb[3 * at(qx, qy - 1) + k]));
        const v = f32(f32(stepX32 * gx) + f32(stepY32 * gy));
        return f32(v * v);
      });
      result = f32(result + f32(Math.sqrt(f32(f32(squares[0] + squares[1]) + squares[2]))));
    }
    return result;
  };
  // Gathering.
  const gatherF: Colour[] = [], gatherB: Colour[] = [];
  const [eN, eA, ef, eb] = o.weights;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = colour(i);
      gatherF[i] = round(labels[i] === FOREGROUND ? c : meanF);
      gatherB[i] = round(labels[i] === BACKGROUND ? c : meanB);
      if (labels[i] !== UNKNOWN) continue;
      const start = ((((x % 8) + (y % 8) * 8) * 99991) % 64) * (2 * Math.PI / 64);
      let fgs: { x: number; y: number; c: Colour }[] = [], bgs: typeof fgs = [];
      for (let a = 0; a < o.angles; a++) {
        const angle = (2 * Math.PI / o.angles) * a + start;
        let hasF = false, hasB = false;
        for (let step = 0; step < 2 * Math.max(w, h) && !(hasF && hasB); step++) {
          const x2 = Math.trunc(x + step * Math.cos(angle)), y2 = Math.trunc(y + step * Math.sin(angle));
          if (x2 < 0 || y2 < 0 || x2 >= w || y2 >= h) break;
          const j = y2 * w + x2;
          if (!hasF && labels[j] === FOREGROUND) { fgs.push({ x: x2, y: y2, c: colour(j) }); hasF = true; }
          if (!hasB && labels[j] === BACKGROUND) { bgs.push({ x: x2, y: y2, c: colour(j) }); hasB = true; }
        }
      }
      if (fgs.length === 0) fgs = [{ x, y, c: meanF }];
      if (bgs.length === 0) bgs = [{ x, y, c: meanB }];
      const minF = Math.min(...fgs.map((s) => pathEnergy(x, y, s.x, s.y)));
      const minB = Math.min(...bgs.map((s) => pathEnergy(x, y, s.x, s.y)));
      const pf = minB / (minF + minB + 1e-5);
      let best = Infinity;
      for (const f of fgs) {
        for (const b of bgs) {
          const alpha = f32(estimateAlpha(c, f.c, b.c));
          let np = 0;
          for (let y2 = y - o.npRadius; y2 <= y + o.npRadius; y2++) {
            for (let x2 = x - o.npRadius; x2 <= x + o.npRadius; x2++) np = f32(np + distortionF32(colour(at(x2, y2)), round(f.c), round(b.c)));
          }
          const cost = f32(np) ** eN * (pf + (1 - 2 * pf) * alpha) ** eA * Math.hypot(x - f.x, y - f.y) ** ef * Math.hypot(x - b.x, y - b.y) ** eb;
          if (best > cost) {
            best = cost;
            gatherF[i] = round(f.c);
            gatherB[i] = round(b.c);
          }
        }
      }
    }
  }
  // Refinement.
  const refinedF = gatherF.slice(), refinedB = gatherB.slice();
  const refinedAlpha = Array.from(labels, (l) => (l === FOREGROUND ? 1 : 0));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (labels[i] !== UNKNOWN) continue;
      const best: { cost: number; q: number }[] = [{ cost: Infinity, q: -1 }, { cost: Infinity, q: -1 }, { cost: Infinity, q: -1 }];
      for (let y2 = y - o.refinementRadius; y2 <= y + o.refinementRadius; y2++) {
        for (let x2 = x - o.refinementRadius; x2 <= x + o.refinementRadius; x2++) {
          if (x2 < 0 || x2 >= w || y2 < 0 || y2 >= h) continue;
          const q = y2 * w + x2;
          const cost = distortionF32(colour(i), gatherF[q], gatherB[q]);
          let worst = 0;
          for (let k = 1; k < 3; k++) if (best[k].cost > best[worst].cost) worst = k;
          if (cost < best[worst].cost) best[worst] = { cost, q };
        }
      }
      const average = (plane: Colour[]): Colour => round([0, 1, 2].map((k) => best.reduce((s, b) => s + (b.q < 0 ? 0 : plane[b.q][k]), 0) / 3) as Colour);
      refinedF[i] = average(gatherF);
      refinedB[i] = average(gatherB);
      refinedAlpha[i] = f32(estimateAlpha(colour(i), refinedF[i], refinedB[i]));
    }
  }
  // Local smoothing.
  const finalF = refinedF.slice(), finalB = refinedB.slice();
  const finalAlpha = new Float64Array(n), weights = new Float64Array(n);
  const window = (x: number, y: number, r: number, visit: (q: number, dx: number, dy: number) => void) => {
    for (let y2 = y - r; y2 <= y + r; y2++) for (let x2 = x - r; x2 <= x + r; x2++) if (x2 >= 0 && x2 < w && y2 >= 0 && y2 < h) visit(y2 * w + x2, x2 - x, y2 - y);
  };
  for (let i = 0; i < n; i++) {
    if (labels[i] !== UNKNOWN) continue;
    // In f32 arithmetic, every operation rounded, in the order of assembly/methods/sm-smooth.ts (pass 1 computes
    // there in f32, as pymatting does).
    const f: Colour = [0, 0, 0], b: Colour = [0, 0, 0];
    let sumF = 0, sumB = 0;
    window(i % w, Math.floor(i / w), o.radius1, (q, dx, dy) => {
      let wc = f32(Math.exp(-(dx * dx + dy * dy) / o.sigmaSquared1));
      if (q !== i) wc = f32(wc * Math.abs(f32(refinedAlpha[i] - refinedAlpha[q])));
      const wf = Math.max(f32(wc * refinedAlpha[q]), f32(1e-5)), wb = Math.max(f32(wc * f32(1 - refinedAlpha[q])), f32(1e-5));
      sumF = f32(sumF + wf);
      sumB = f32(sumB + wb);
      for (let k = 0; k < 3; k++) { f[k] = f32(f[k] + f32(wf * refinedF[q][k])); b[k] = f32(b[k] + f32(wb * refinedB[q][k])); }
    });
    finalF[i] = round([f[0] / sumF, f[1] / sumF, f[2] / sumF]);
    finalB[i] = round([b[0] / sumB, b[1] / sumB, b[2] / sumB]);
    finalAlpha[i] = f32(estimateAlpha(colour(i), finalF[i], finalB[i]));
    weights[i] = f32(refinedAlpha[i] * (1 - refinedAlpha[i]));
  }
  // Passes 2 and 3: the gaps and the window sums in f32 arithmetic, every operation rounded, in the order of
  // assembly/methods/sm-smooth.ts.
  const gap = (q: number) => f32(Math.hypot(finalF[q][0] - finalB[q][0], finalF[q][1] - finalB[q][1], finalF[q][2] - finalB[q][2]));
  return Float64Array.from({ length: n }, (_, i) => {
    if (labels[i] !== UNKNOWN) return labels[i] === FOREGROUND ? 1 : 0;
    let gaps = 0, weightSum = 0;
    window(i % w, Math.floor(i / w), o.radius2, (q) => { weightSum = f32(weightSum + weights[q]); gaps = f32(gaps + f32(weights[q] * gap(q))); });
    const typical = gaps / (weightSum + 1e-5) + 1e-5;
    const confidence = f32(Math.min(1, gap(i) / typical) * Math.exp(-Math.sqrt(distortion(colour(i), finalF[i], finalB[i])) / o.sigmaSquared2));
    let alphaSum = 0;
    weightSum = 0;
    window(i % w, Math.floor(i / w), o.radius3, (q, dx, dy) => {
      const wq = f32(f32(Math.exp(-(dx * dx + dy * dy) / o.sigmaSquared3)) + (labels[q] !== UNKNOWN ? 1 : 0));
      alphaSum = f32(alphaSum + f32(wq * refinedAlpha[q]));
      weightSum = f32(weightSum + wq);
    });
    return confidence * finalAlpha[i] + (1 - confidence) * (alphaSum / weightSum);
  });
}
