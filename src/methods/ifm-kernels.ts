// The kernels of information-flow matting (assembly/methods/ifm*.ts, assembly/graph/lle.ts) as the engine sees
// them: pointers are byte offsets into the engine's memory.
import type { Engine } from "../engine.js";
import type { GridSearchKernels } from "./grid-search.js";

export interface IfmKernels extends GridSearchKernels {
  countOpenRows(rows: number, from: number, to: number): number;
  lleScratchBytes(k: number): number;
  lleWeights(point: number, neighbours: number, k: number, dims: number, conditioner: number, scratch: number, weights: number): void;
  pixelFeatures(image: number, width: number, height: number, spatial: number, features: number): number;
  pixelFeatureRows(image: number, width: number, height: number, spatial: number, pixels: number, count: number, out: number): number;
  flowScratchBytes(k: number): number;
  colourMixtureWeights(image: number, queries: number, count: number, neighbours: number, k: number, scratch: number, weights: number): void;
  knownToUnknownEstimates(
    image: number, queries: number, count: number, foreground: number, background: number, k: number, scratch: number, estimate: number, confidence: number,
  ): void;
  intraUnknownWeights(
    image: number, width: number, height: number, spatial: number, queries: number, count: number, neighbours: number, k: number, weights: number,
  ): void;
  edgeTrimScratchBytes(width: number, height: number): number;
  edgeTrim(image: number, width: number, height: number, labels: number, trimmed: number, scratch: number): void;
  windowMeans(image: number, width: number, height: number, means: number): void;
  patchTrimScratchBytes(): number;
  patchTrimForeground(
    image: number, width: number, height: number, means: number, queries: number, count: number, foreground: number, k: number,
    scratch: number, toForeground: number, needed: number, neededPixels: number,
  ): number;
  patchTrimBackground(
    image: number, width: number, height: number, means: number, neededPixels: number, needed: number, count: number, toForeground: number,
    background: number, k: number, scratch: number, trimmed: number,
  ): void;
  patchTrimDistances(
    image: number, width: number, height: number, means: number, queries: number, count: number, foreground: number, k: number, scratch: number,
    toForeground: number,
  ): void;
  patchTrimNeeded(queries: number, count: number, toForeground: number, needed: number, neededPixels: number): number;
  transparencyHistograms(image: number, labels: number, width: number, height: number, scratch: number, histograms: number): void;
  pixelsWithLabel(labels: number, pixels: number, label: number, out: number): number;
  interleaveRows(rows: number, a: number, ka: number, b: number, kb: number, out: number): void;
  queryRows(queries: number, count: number, pixels: number, rows: number): void;
  gatherRows(features: number, dims: number, sourceBytes: number, rows: number, count: number, out: number): void;
  neighbourPixels(found: number, count: number, kFound: number, candidates: number, queries: number, k: number, out: number): void;
  scaleValues(values: number, count: number, scale: number): void;
  addKnownToUnknown(
    pixels: number, labels: number, unknownIndex: number, edgeTrimmed: number, patchTrimmed: number,
    queries: number, count: number, estimate: number, confidence: number, weight: number, diagonal: number, rhs: number,
  ): void;
  addColourMixture(rows: number, k: number, columns: number, weights: number, unknownIndex: number, labels: number, diagonal: number, rhs: number): void;
  addIntraUnknown(rows: number, k: number, columns: number, weights: number, scale: number, unknownIndex: number, diagonal: number): void;
  applyEdgeTrim(pixels: number, labels: number, unknownIndex: number, edgeTrimmed: number, solution: number): void;
  ifmEstimateGuess(
    pixels: number, labels: number, unknownIndex: number, edgeTrimmed: number, patchTrimmed: number, queries: number, count: number, estimate: number, x: number,
  ): void;
  mergeIntraUnknown(rows: number, k: number, columns: number, weights: number, offsets: number): number;
  ifmJacobiSetup(diagonal: number, rows: number): void;
  narrowToF32(values: number, count: number, out: number): void;
  ifmMultiply(system: number, x: number, y: number): void;
  ifmCoarseAggregates(unknownIndex: number, width: number, height: number, side: number, cells: number, aggregateOf: number): number;
  ifmCoarseBasis(image: number, unknownIndex: number, pixels: number, aggregateOf: number, aggregates: number, means: number, basis: number): void;
  ifmCoarseOperator(system: number, coarse: number, scratch: number, first: number, end: number): void;
  ifmCoarseScratchBytes(k: number): number;
  ifmCoarseFactor(coarse: number, first: number, end: number): void;
  ifmBlockLayout(blocks: number, rows: number, blockOf: number, place: number): number;
  ifmBlockTriangleStarts(blocks: number, triangleStarts: number): void;
  ifmBlockEntries(system: number, blockOf: number, place: number, triangleStarts: number, entries: number, first: number, end: number): void;
  ifmBlockInverse(blocks: number, triangleStarts: number, entries: number, first: number, end: number): void;
  ifmBlockSolve(blocks: number, coarse: number, r: number, z: number, context: number): void;
}

/** f64 values transparencyHistograms writes: three 30-bin histograms, then their three pixel counts. */
export const TRANSPARENCY_VALUES = 93;

export function ifmKernels(engine: Engine): IfmKernels {
  return engine.kernels as IfmKernels;
}
