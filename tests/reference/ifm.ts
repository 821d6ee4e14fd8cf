// Plain reference of information-flow matting's linear system and of the whole method (Aksoy, Aydin, Pollefeys,
// CVPR 2017, eq. 12-13), with the toolbox's weights. The energy over all pixels is
//
//   a^T (s_cm (I - W_cm)^T (I - W_cm) + s_l L_local + s_iu L_iu) a + s_ku sum_unknown c_i (a_i - ahat_i)^2
//
// with the trimap a hard constraint (the toolbox's lambda = 100 penalty taken to its limit). L_local is the
// closed-form Laplacian (epsilon 1e-6) divided by 9: the toolbox row-normalises the matting affinity, which for
// every unknown pixel away from the image border divides L by 2 * 9 after doubling it (W + W^T), and this
// symmetric form keeps that scale, so the whole system on the unknown pixels is symmetric positive definite.
import { denseMatrix, solveDense, type DenseMatrix } from "./dense.js";
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./laplacian.js";
import {
  type AlphaEstimate, type FlowRows, type NeighbourSearch, type PairWeights, pixelsWith,
  referenceColourMixture, referenceHighlyTransparent, referenceIntraUnknown, referenceKnownToUnknown,
} from "./ifm-flows.js";
import { referenceEdgeTrim, referencePatchTrim } from "./ifm-trim.js";

export const IFM_WEIGHTS = { colourMixture: 1, local: 1, intraUnknown: 0.01, knownToUnknown: 0.05 };
export const IFM_LOCAL_EPSILON = 1e-6;
const LOCAL_SCALE = 1 / 9;

/** The closed-form Laplacian's window blocks (3x3 windows wholly inside the image that hold an unknown pixel). */
export interface LocalBlocks {
  members: Int32Array;
  blocks: Float64Array;
}

export function referenceLocalBlocks(image: Float64Array, width: number, height: number, labels: Uint8Array, epsilon = IFM_LOCAL_EPSILON): LocalBlocks {
  const members: number[] = [];
  const blocks: number[] = [];
  for (let cy = 1; cy < height - 1; cy++) {
    for (let cx = 1; cx < width - 1; cx++) {
      const window: number[] = [];
      for (let y = cy - 1; y <= cy + 1; y++) for (let x = cx - 1; x <= cx + 1; x++) window.push(y * width + x);
      if (!window.some((p) => labels[p] === UNKNOWN)) continue;
      const mean = [0, 1, 2].map((c) => window.reduce((s, p) => s + image[3 * p + c], 0) / 9);
      const deviations = window.map((p) => [0, 1, 2].map((c) => image[3 * p + c] - mean[c]));
      const covariance = denseMatrix(3);
      for (const d of deviations) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) covariance.entries[3 * a + b] += (d[a] * d[b]) / 9;
      for (let a = 0; a < 3; a++) covariance.entries[4 * a] += epsilon / 9;
      const whitened = deviations.map((d) => solveDense(covariance, d));
      members.push(...window);
      for (let a = 0; a < 9; a++) {
        for (let b = 0; b < 9; b++) {
          const affinity = 1 + deviations[a].reduce((s, v, c) => s + v * whitened[b][c], 0);
          blocks.push((a === b ? 1 : 0) - affinity / 9);
        }
      }
    }
  }
  return { members: Int32Array.from(members), blocks: Float64Array.from(blocks) };
}

/** Every term of the energy, over all pixels; dataWeight and dataTarget are zero outside the unknown region. */
export interface IfmTerms {
  width: number;
  height: number;
  labels: Uint8Array;
  colourMixture: FlowRows;
  local: LocalBlocks;
  intraUnknown: PairWeights;
  dataWeight: Float64Array;
  dataTarget: Float64Array;
}

/** y = (s_cm (I - W)^T (I - W) + s_l L_local + s_iu L_iu + diag(dataWeight)) v over all pixels. */
export function applyEnergy(terms: IfmTerms, v: Float64Array): Float64Array {
  const n = terms.width * terms.height;
  const y = new Float64Array(n);
  const { pixels, k, neighbours, weights } = terms.colourMixture;
  pixels.forEach((p, row) => {
    let residual = v[p];
    for (let j = 0; j < k; j++) residual -= weights[row * k + j] * v[neighbours[row * k + j]];
    residual *= IFM_WEIGHTS.colourMixture;
    y[p] += residual;
    for (let j = 0; j < k; j++) y[neighbours[row * k + j]] -= weights[row * k + j] * residual;
  });
  const { members, blocks } = terms.local;
  for (let w = 0; w < members.length / 9; w++) {
    for (let a = 0; a < 9; a++) {
      let sum = 0;
      for (let b = 0; b < 9; b++) sum += blocks[w * 81 + a * 9 + b] * v[members[w * 9 + b]];
      y[members[w * 9 + a]] += IFM_WEIGHTS.local * LOCAL_SCALE * sum;
    }
  }
  for (const [key, weight] of terms.intraUnknown) {
    const i = Math.floor(key / n), j = key % n;
    const flow = IFM_WEIGHTS.intraUnknown * weight * (v[i] - v[j]);
    y[i] += flow;
    y[j] -= flow;
  }
  for (let p = 0; p < n; p++) y[p] += terms.dataWeight[p] * v[p];
  return y;
}

/** The system on the unknown pixels: A x = b with the known alphas moved to the right. */
export interface IfmSystem {
  unknownPixels: Int32Array;
  apply(x: Float64Array): Float64Array;
  rhs: Float64Array;
}

export function restrictEnergy(terms: IfmTerms): IfmSystem {
  const n = terms.width * terms.height;
  const unknownPixels = pixelsWith(terms.labels, UNKNOWN);
  const full = new Float64Array(n);
  const apply = (x: Float64Array) => {
    full.fill(0);
    unknownPixels.forEach((p, u) => (full[p] = x[u]));
    const y = applyEnergy(terms, full);
    return Float64Array.from(unknownPixels, (p) => y[p]);
  };
  const known = Float64Array.from(terms.labels, (l) => (l === FOREGROUND ? 1 : 0));
  const pushed = applyEnergy(terms, known);
  const rhs = Float64Array.from(unknownPixels, (p) => terms.dataWeight[p] * terms.dataTarget[p] - pushed[p]);
  return { unknownPixels, apply, rhs };
}

/** The system's matrix, one column per unit vector: for small cases only. */
export function denseSystem(system: IfmSystem): DenseMatrix {
  const size = system.unknownPixels.length;
  const matrix = denseMatrix(size);
  const unit = new Float64Array(size);
  for (let column = 0; column < size; column++) {
    unit.fill(0);
    unit[column] = 1;
    system.apply(unit).forEach((value, row) => (matrix.entries[row * size + column] = value));
  }
  return matrix;
}

export interface IfmChoices {
  /** "auto" follows the paper's transparency test; true / false force the known-to-unknown flow on or off. */
  knownToUnknown: "auto" | boolean;
  /** Set alpha to 0 / 1 where edge trimming labelled the pixel (the paper's setting; the toolbox's default is off). */
  postTrim: boolean;
}

export const IFM_DEFAULT_CHOICES: IfmChoices = { knownToUnknown: "auto", postTrim: true };

/** The known-to-unknown data term: the flow's estimates on the patch-trimmed unknowns, 0 / 1 with confidence 1 where a trimming step labelled the pixel. */
export function knownToUnknownData(estimate: AlphaEstimate, patchTrimmed: Uint8Array, edgeTrimmed: Uint8Array, labels: Uint8Array) {
  const n = labels.length;
  const target = new Float64Array(n), confidence = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    if (labels[p] !== UNKNOWN) continue;
    const trimmed = edgeTrimmed[p] !== UNKNOWN ? edgeTrimmed[p] : patchTrimmed[p];
    if (trimmed !== UNKNOWN) {
      target[p] = trimmed === FOREGROUND ? 1 : 0;
      confidence[p] = 1;
    }
  }
  estimate.pixels.forEach((p, row) => {
    if (edgeTrimmed[p] !== UNKNOWN) return;
    target[p] = estimate.estimate[row];
    confidence[p] = estimate.confidence[row];
  });
  return { target, confidence };
}

/**
 * The solve's starting point on the unknown pixels (the twin of ifmEstimateGuess): 0 / 1 where a trimming step
 * labelled the pixel, the known-to-unknown estimate clamped to [0, 1] where the flow made one, else 1/2.
 */
export function referenceIfmStart(estimate: AlphaEstimate, patchTrimmed: Uint8Array, edgeTrimmed: Uint8Array, labels: Uint8Array): Float64Array {
  const start = new Float64Array(labels.length);
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] !== UNKNOWN) continue;
    const trimmed = edgeTrimmed[p] !== UNKNOWN ? edgeTrimmed[p] : patchTrimmed[p];
    start[p] = trimmed === FOREGROUND ? 1 : trimmed === BACKGROUND ? 0 : 0.5;
  }
  estimate.pixels.forEach((p, row) => {
    if (edgeTrimmed[p] === UNKNOWN) start[p] = Math.min(1, Math.max(0, estimate.estimate[row]));
  });
  return start;
}

/** Every term of information-flow matting for an image (f64 RGB in [0, 1]) and trimap labels. */
export function referenceIfmTerms(image: Float64Array, width: number, height: number, labels: Uint8Array, search: NeighbourSearch,
  choices: IfmChoices = IFM_DEFAULT_CHOICES): { terms: IfmTerms; edgeTrimmed: Uint8Array; usedKnownToUnknown: boolean } {
  const n = width * height;
  const usedKnownToUnknown = choices.knownToUnknown === "auto" ? !referenceHighlyTransparent(image, width, height, labels) : choices.knownToUnknown;
  const edgeTrimmed = usedKnownToUnknown || choices.postTrim ? referenceEdgeTrim(image, width, height, labels) : labels;
  const dataWeight = new Float64Array(n), dataTarget = new Float64Array(n);
  if (usedKnownToUnknown) {
    const patchTrimmed = referencePatchTrim(image, width, height, labels, search);
    const estimate = referenceKnownToUnknown(image, width, height, patchTrimmed, search);
    const { target, confidence } = knownToUnknownData(estimate, patchTrimmed, edgeTrimmed, labels);
    for (let p = 0; p < n; p++) {
      dataWeight[p] = IFM_WEIGHTS.knownToUnknown * confidence[p];
      dataTarget[p] = target[p];
    }
  }
  const terms: IfmTerms = {
    width, height, labels,
    colourMixture: referenceColourMixture(image, width, height, labels, search),
    local: referenceLocalBlocks(image, width, height, labels),
    intraUnknown: referenceIntraUnknown(image, width, height, labels, search),
    dataWeight, dataTarget,
  };
  return { terms, edgeTrimmed, usedKnownToUnknown };
}

/** Alpha from the unknowns' solution: clamped to [0, 1], the trimap's 0 / 1 elsewhere, then the post-trim. */
export function composeIfmAlpha(labels: Uint8Array, unknownPixels: Int32Array, solution: ArrayLike<number>, edgeTrimmed: Uint8Array, postTrim: boolean): Float64Array {
  const alpha = Float64Array.from(labels, (l) => (l === FOREGROUND ? 1 : 0));
  unknownPixels.forEach((p, u) => (alpha[p] = Math.min(1, Math.max(0, solution[u]))));
  if (postTrim) {
    edgeTrimmed.forEach((l, p) => {
      if (labels[p] === UNKNOWN && l !== UNKNOWN) alpha[p] = l === FOREGROUND ? 1 : 0;
    });
  }
  return alpha;
}

/** The whole method with a dense direct solve and brute-force neighbours: small images only. */
export function referenceIfmAlpha(image: Float64Array, width: number, height: number, labels: Uint8Array, search: NeighbourSearch,
  choices: IfmChoices = IFM_DEFAULT_CHOICES): Float64Array {
  const { terms, edgeTrimmed } = referenceIfmTerms(image, width, height, labels, search, choices);
  const system = restrictEnergy(terms);
  const solution = system.unknownPixels.length > 0 ? solveDense(denseSystem(system), system.rhs) : new Float64Array(0);
  return composeIfmAlpha(labels, system.unknownPixels, solution, edgeTrimmed, choices.postTrim);
}

export { BACKGROUND, FOREGROUND, UNKNOWN };
