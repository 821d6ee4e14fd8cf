// Plain reference of the non-local flows of information-flow matting (Aksoy, Aydin, Pollefeys, "Designing
// Effective Inter-Pixel Information Flow for Natural Image Matting", CVPR 2017), with the parameters of the
// authors' toolbox (yaksoy/AffinityBasedMattingToolbox, getMattingParams('IFM')). Neighbours come from a search
// passed in (brute force here; the scratch scripts pass a k-d tree), so the maths is checked apart from the search.
import { BACKGROUND, FOREGROUND, UNKNOWN } from "./laplacian.js";
import { referenceLleWeights } from "./lle.js";

/** K nearest candidates of each query (pixel indices, nearest first, the query itself never among them). */
export type NeighbourSearch = (features: Float64Array, dims: number, queries: Int32Array, candidates: Int32Array, k: number) => Int32Array;

/** Brute force: every candidate's squared distance, ties broken by the lower pixel index. */
export const bruteForceSearch: NeighbourSearch = (features, dims, queries, candidates, k) => {
  const found = new Int32Array(queries.length * k).fill(-1);
  const order = Array.from(candidates);
  queries.forEach((q, row) => {
    const distance = (p: number) => {
      let sum = 0;
      for (let d = 0; d < dims; d++) sum += (features[p * dims + d] - features[q * dims + d]) ** 2;
      return sum;
    };
    const ranked = order.filter((p) => p !== q).map((p) => [distance(p), p]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let j = 0; j < Math.min(k, ranked.length); j++) found[row * k + j] = ranked[j][1];
  });
  return found;
};

/**
 * Per-pixel features [r, g, b, s x / width, s y / height] (s = 0 gives colour alone, 3 values): the toolbox's
 * findNonlocalNeighbors, where s sets how much spatial proximity counts.
 */
export function pixelFeatures(image: Float64Array, width: number, height: number, spatial: number): { features: Float64Array; dims: number } {
  const dims = spatial > 0 ? 5 : 3;
  const features = new Float64Array(width * height * dims);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) features[p * dims + c] = image[3 * p + c];
    if (dims === 5) {
      features[p * dims + 3] = (spatial * ((p % width) + 1)) / width;
      features[p * dims + 4] = (spatial * (Math.floor(p / width) + 1)) / height;
    }
  }
  return { features, dims };
}

export function pixelsWith(labels: Uint8Array, label: number): Int32Array {
  const out: number[] = [];
  labels.forEach((l, p) => {
    if (l === label) out.push(p);
  });
  return Int32Array.from(out);
}

/** Flows out of each query pixel: row i holds k neighbours and their weights. */
export interface FlowRows {
  pixels: Int32Array;
  k: number;
  neighbours: Int32Array;
  weights: Float64Array;
}

function colourOf(image: Float64Array, pixels: ArrayLike<number>): Float64Array {
  const out = new Float64Array(pixels.length * 3);
  for (let j = 0; j < pixels.length; j++) for (let c = 0; c < 3; c++) out[3 * j + c] = image[3 * pixels[j] + c];
  return out;
}

export const COLOUR_MIXTURE_K = 20;
export const COLOUR_MIXTURE_SPATIAL = 1;

/**
 * Colour-mixture flow (paper eq. 2-3): each unknown pixel's colour as an affine (LLE) mix of its K nearest pixels
 * anywhere in the image in [rgb, xy], the weights computed from colour alone.
 */
export function referenceColourMixture(image: Float64Array, width: number, height: number, labels: Uint8Array, search: NeighbourSearch,
  k = COLOUR_MIXTURE_K, spatial = COLOUR_MIXTURE_SPATIAL): FlowRows {
  const { features, dims } = pixelFeatures(image, width, height, spatial);
  const pixels = pixelsWith(labels, UNKNOWN);
  const all = Int32Array.from({ length: width * height }, (_, p) => p);
  const neighbours = search(features, dims, pixels, all, k);
  const weights = new Float64Array(pixels.length * k);
  pixels.forEach((p, row) => {
    const rowNeighbours = neighbours.subarray(row * k, row * k + k);
    weights.set(referenceLleWeights(colourOf(image, [p]), colourOf(image, rowNeighbours), 3), row * k);
  });
  return { pixels, k, neighbours, weights };
}

export const KNOWN_TO_UNKNOWN_K = 7;
export const KNOWN_TO_UNKNOWN_SPATIAL = 10;

/** What the known-to-unknown flow gives each unknown pixel: an alpha estimate and a confidence in it. */
export interface AlphaEstimate {
  pixels: Int32Array;
  estimate: Float64Array;
  confidence: Float64Array;
}

/**
 * Known-to-unknown flow (paper eq. 4-6): LLE weights over the K nearest foreground and K nearest background pixels
 * in [rgb, xy]; the alpha estimate is the foreground neighbours' share of the weight, and the confidence
 * |F - B|^2 / 3 with F, B the weighted foreground and background colours. `labels` is the (trimmed) trimap.
 */
export function referenceKnownToUnknown(image: Float64Array, width: number, height: number, labels: Uint8Array, search: NeighbourSearch,
  k = KNOWN_TO_UNKNOWN_K, spatial = KNOWN_TO_UNKNOWN_SPATIAL): AlphaEstimate {
  const { features, dims } = pixelFeatures(image, width, height, spatial);
  const pixels = pixelsWith(labels, UNKNOWN);
  const foreground = search(features, dims, pixels, pixelsWith(labels, FOREGROUND), k);
  const background = search(features, dims, pixels, pixelsWith(labels, BACKGROUND), k);
  const estimate = new Float64Array(pixels.length), confidence = new Float64Array(pixels.length);
  pixels.forEach((p, row) => {
    const fg = Array.from(foreground.subarray(row * k, row * k + k));
    const bg = Array.from(background.subarray(row * k, row * k + k));
    const w = referenceLleWeights(colourOf(image, [p]), colourOf(image, [...fg, ...bg]), 3);
    const mixed = [0, 0, 0];
    for (let j = 0; j < 2 * k; j++) {
      const sign = j < k ? 1 : -1;
      const q = j < k ? fg[j] : bg[j - k];
      for (let c = 0; c < 3; c++) mixed[c] += sign * w[j] * image[3 * q + c];
      if (j < k) estimate[row] += w[j];
    }
    confidence[row] = (mixed[0] ** 2 + mixed[1] ** 2 + mixed[2] ** 2) / 3;
  });
  return { pixels, estimate, confidence };
}

export const INTRA_UNKNOWN_K = 5;
export const INTRA_UNKNOWN_SPATIAL = 0.05;

/** A symmetric non-negative affinity between pixel pairs: key min * n + max -> weight. */
export type PairWeights = Map<number, number>;

/**
 * Intra-unknown flow (paper eq. 7): each unknown pixel's K nearest unknown pixels in [rgb, 0.05 xy] and its
 * ceil(K/5) nearest in [rgb, 0.0005 xy] (the toolbox's extra search, after KNN matting's code), weighted
 * max(1 - |f_i - f_j|_1 / 5, 0) on features [rgb, 5e-6 xy]; a pair found twice counts twice; then (W + W^T) / 2.
 */
export function referenceIntraUnknown(image: Float64Array, width: number, height: number, labels: Uint8Array, search: NeighbourSearch,
  k = INTRA_UNKNOWN_K, spatial = INTRA_UNKNOWN_SPATIAL): PairWeights {
  const n = width * height;
  const pixels = pixelsWith(labels, UNKNOWN);
  const near = pixelFeatures(image, width, height, spatial);
  const far = pixelFeatures(image, width, height, spatial / 100);
  const kFar = Math.ceil(k / 5);
  const nearNeighbours = search(near.features, near.dims, pixels, pixels, k);
  const farNeighbours = search(far.features, far.dims, pixels, pixels, kFar);
  const weightFeatures = pixelFeatures(image, width, height, spatial / 10000).features;
  const pairs: PairWeights = new Map();
  const add = (i: number, j: number) => {
    if (j < 0) return;
    let l1 = 0;
    for (let d = 0; d < 5; d++) l1 += Math.abs(weightFeatures[5 * i + d] - weightFeatures[5 * j + d]);
    const weight = Math.max(1 - l1 / 5, 0) / 2;
    const key = Math.min(i, j) * n + Math.max(i, j);
    pairs.set(key, (pairs.get(key) ?? 0) + weight);
  };
  pixels.forEach((p, row) => {
    for (let j = 0; j < k; j++) add(p, nearNeighbours[row * k + j]);
    for (let j = 0; j < kFar; j++) add(p, farNeighbours[row * kFar + j]);
  });
  return pairs;
}

/** The toolbox's threshold on the histogram reconstruction error above which a matte counts as highly transparent. */
export const TRANSPARENCY_THRESHOLD = 0.0099;
/** Channels whose histograms are compared: the toolbox reads red, blue and blue again (its indices 1, 3, 3). */
export const TRANSPARENCY_CHANNELS = [0, 2, 2];

/** The test's histograms, each divided by its pixel count: foreground near the unknown region, background near it, unknown. */
export function referenceTransparencyHistograms(image: Float64Array, width: number, height: number, labels: Uint8Array): Float64Array[] {
  // Near: an unknown pixel p with p - q in [-9, 10] along x and along y (the toolbox's 20x20 dilation).
  const nearUnknown = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (labels[y * width + x] !== UNKNOWN) continue;
      for (let yy = Math.max(0, y - 10); yy <= Math.min(height - 1, y + 9); yy++) {
        for (let xx = Math.max(0, x - 10); xx <= Math.min(width - 1, x + 9); xx++) nearUnknown[yy * width + xx] = 1;
      }
    }
  }
  const histogram = (keep: (p: number) => boolean) => {
    const h = new Float64Array(30);
    let count = 0;
    for (let p = 0; p < width * height; p++) {
      if (!keep(p)) continue;
      count++;
      TRANSPARENCY_CHANNELS.forEach((c, slot) => h[slot * 10 + Math.round(image[3 * p + c] * 9)]++);
    }
    return h.map((v) => v / Math.max(count, 1));
  };
  return [
    histogram((p) => labels[p] === FOREGROUND && nearUnknown[p] === 1),
    histogram((p) => labels[p] === BACKGROUND && nearUnknown[p] === 1),
    histogram((p) => labels[p] === UNKNOWN),
  ];
}

/**
 * The paper's choice between its two energies (section 5): if the unknown region's histogram is far (least-squares
 * residual norm / 30 > 0.0099) from every mix of the foreground's and background's, the matte is highly
 * transparent and the known-to-unknown flow is left out.
 */
export function highlyTransparentFrom([f, b, u]: Float64Array[]): boolean {
  // Normal equations of the 30 x 2 least-squares fit u ~ a f + c b.
  const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  const ff = dot(f, f), fb = dot(f, b), bb = dot(b, b), fu = dot(f, u), bu = dot(b, u);
  const det = ff * bb - fb * fb;
  const a = det !== 0 ? (fu * bb - bu * fb) / det : 0;
  const c = det !== 0 ? (bu * ff - fu * fb) / det : 0;
  let residual = 0;
  for (let i = 0; i < 30; i++) residual += (a * f[i] + c * b[i] - u[i]) ** 2;
  return Math.sqrt(residual) / 30 > TRANSPARENCY_THRESHOLD;
}

export function referenceHighlyTransparent(image: Float64Array, width: number, height: number, labels: Uint8Array): boolean {
  return highlyTransparentFrom(referenceTransparencyHistograms(image, width, height, labels));
}
