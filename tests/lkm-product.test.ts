// The large-kernel product (assembly/methods/lkm-product.ts: one sweep with column sums and a ring of window
// rows) and the Laplacian's diagonal against plain twins: the dense Laplacian times a vector where it fits,
// the window-by-window product (tests/reference/pymatting.ts) for radii up to 50, over odd sizes, images as
// wide as one window and far wider, both builds; and the SIMD and scalar builds give the same bits.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../dist/engine.js";
import { makeEngine, random } from "./helpers.js";
import { largeKernelLaplacian, largeKernelProduct, multiply } from "./reference/pymatting.js";
import { labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

interface ProductKernels {
  lkmScratchBytes(width: number, height: number): number;
  lkmSetup(image: number, width: number, height: number, radius: number, epsilon: number, windows: number, diagonal: number, scratch: number): void;
  lkmProduct(windows: number, width: number, height: number, radius: number, penalty: number, p: number, out: number, scratch: number): number;
}

/** Bytes per window of the product's layout. */
const WINDOW_BYTES = 88;

/** The wasm products (L + diag(penalty)) p for each p (one set-up) and the diagonal of L. */
function wasmProducts(engine: Engine, rgb: Float64Array, width: number, height: number, radius: number, epsilon: number,
  penalty: Float64Array, vectors: Float64Array[]): Promise<{ products: Float64Array[]; dots: number[]; diagonal: Float64Array }> {
  return engine.run((arena) => {
    const k = engine.kernels as unknown as ProductKernels;
    const n = width * height;
    const image = arena.copyIn(rgb), penaltyPtr = arena.copyIn(penalty);
    const windows = arena.alloc((width - 2 * radius) * (height - 2 * radius) * WINDOW_BYTES);
    const diagonal = arena.alloc(n * 8), out = arena.alloc(n * 8);
    const scratch = arena.alloc(k.lkmScratchBytes(width, height));
    k.lkmSetup(image, width, height, radius, epsilon, windows, diagonal, scratch);
    const dots: number[] = [];
    const products = vectors.map((p) => {
      dots.push(k.lkmProduct(windows, width, height, radius, penaltyPtr, arena.copyIn(p), out, scratch));
      return arena.f64(out, n).slice();
    });
    return { products, dots, diagonal: arena.f64(diagonal, n).slice() };
  });
}

/** A random vector and penalty (lambda on about half the pixels), and the picture's colours. */
function inputs(width: number, height: number, radius: number, kind: string) {
  const next = random(width * 100 + height + radius);
  const n = width * height;
  const image = kind === "constant" ? { width, height, data: new Uint8Array(n * 3).fill(77) }
    : kind === "noise" ? noiseImage(width, height, radius) : smoothImage(width, height, radius);
  const rgb = unitRgb(image.data, 3);
  const epsilon = kind === "constant" ? 1e-2 : 1e-7;
  const p = Float64Array.from({ length: n }, () => next() * 2 - 1);
  const penalty = Float64Array.from({ length: n }, () => (next() < 0.5 ? 100 : 0));
  return { rgb, epsilon, p, penalty, picture: { width, height, rgb, labels: labels8(new Uint8Array(n)) } };
}

interface SolverKernels extends ProductKernels {
  penaltyTerms(labels: number, pixels: number, lambda: number, penalty: number, rhs: number): void;
  lkmJacobi(diagonal: number, penalty: number, pixels: number, inverse: number): void;
  lkmCgStart(operator: number, b: number, x: number, r: number, z: number, p: number, state: number): number;
  lkmCgIterate(operator: number, x: number, r: number, p: number, q: number, state: number, maxSteps: number, tolerance: number): number;
}

/** `steps` iterations of the wasm Jacobi CG on the large-kernel system from x = 0: x (f64) and the CG state. */
function cgIterates(engine: Engine, rgb: Float64Array, labels: Uint8Array, width: number, height: number, radius: number, epsilon: number,
  steps: number): Promise<{ x: Float64Array; state: Float64Array; iterations: number }> {
  return engine.run((arena) => {
    const k = engine.kernels as unknown as SolverKernels;
    const n = width * height;
    const vector = () => arena.alloc(n * 8);
    const image = arena.copyIn(rgb), labelsPtr = arena.copyIn(labels);
    const windows = arena.alloc((width - 2 * radius) * (height - 2 * radius) * WINDOW_BYTES);
    const diagonal = vector(), penalty = vector(), rhs = vector(), inverse = vector();
    const scratch = arena.alloc(k.lkmScratchBytes(width, height));
    k.lkmSetup(image, width, height, radius, epsilon, windows, diagonal, scratch);
    k.penaltyTerms(labelsPtr, n, 100, penalty, rhs);
    k.lkmJacobi(diagonal, penalty, n, inverse);
    const operator = arena.alloc(28);
    arena.i32(operator, 7).set([windows, width, height, radius, penalty, scratch, inverse]);
    const x = vector(), r = vector(), z = vector(), p = vector(), q = vector(), state = arena.alloc(24);
    arena.f64(x, n).fill(0);
    k.lkmCgStart(operator, rhs, x, r, z, p, state);
    const iterations = k.lkmCgIterate(operator, x, r, p, q, state, steps, 1e-30);
    return { x: arena.f64(x, n).slice(), state: arena.f64(state, 3).slice(), iterations };
  });
}

const largest = (values: Float64Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 1);

function worstDifference(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe.each(["release", "scalar"] as const)("large-kernel product, %s build", (build) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await makeEngine(build);
  });

  it.each([
    [3, 3, 1, "one window"], [7, 5, 1, "odd"], [12, 9, 2, "even by odd"], [9, 14, 3, "tall"], [25, 23, 10, "radius 10"], [6, 6, 1, "constant"],
    [31, 17, 3, "rows beyond the ring"], [17, 29, 4, "noise"],
  ] as const)("%ix%i radius %i (%s) equals the dense Laplacian's", async (width, height, radius, kind) => {
    const { rgb, epsilon, p, penalty, picture } = inputs(width, height, radius, kind);
    const laplacian = largeKernelLaplacian(picture, radius, epsilon);
    const n = width * height;
    const expected = multiply(laplacian, p).map((v, i) => v + penalty[i] * p[i]);
    const { products: [product], dots: [pq], diagonal } = await wasmProducts(engine, rgb, width, height, radius, epsilon, penalty, [p]);
    const scale = largest(expected);
    const expectedDot = expected.reduce((sum, v, i) => sum + v * p[i], 0);
    expect(Math.abs(pq - expectedDot)).toBeLessThan(1e-8 * scale * n);
    expect(worstDifference(largeKernelProduct(picture, radius, epsilon, p), multiply(laplacian, p))).toBeLessThan(1e-9 * scale);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(product[i] - expected[i]), `pixel ${i}`).toBeLessThan(1e-8 * scale);
      expect(Math.abs(diagonal[i] - laplacian.entries[i * n + i]), `diagonal ${i}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(laplacian.entries[i * n + i])));
    }
  });

  // Widths and heights below, equal to and above two window sides (the ring wraps; window columns leave the
  // row sums before or after the last one enters), radii from 1 to 50.
  it.each([
    [41, 38, 1, "smooth"], [43, 19, 5, "noise"], [15, 61, 5, "smooth"], [67, 45, 13, "noise"], [53, 31, 13, "smooth"],
    [97, 71, 24, "smooth"], [101, 101, 50, "noise"], [103, 107, 50, "smooth"], [161, 103, 50, "noise"], [91, 83, 37, "constant"],
  ] as const)("%ix%i radius %i (%s) equals the window-by-window product", async (width, height, radius, kind) => {
    const { rgb, epsilon, p, penalty, picture } = inputs(width, height, radius, kind);
    const ones = new Float64Array(width * height).fill(1);
    const { products, diagonal } = await wasmProducts(engine, rgb, width, height, radius, epsilon, penalty, [p, ones]);
    const expected = largeKernelProduct(picture, radius, epsilon, p).map((v, i) => v + penalty[i] * p[i]);
    expect(worstDifference(products[0], expected)).toBeLessThan(1e-8 * largest(expected));
    // A second product on the same set-up (the scratch's colours kept): L 1 = 0, so only the penalty is left.
    expect(worstDifference(products[1], penalty)).toBeLessThan(1e-8 * largest(diagonal));
  });
});

describe("the SIMD and scalar builds", () => {
  it.each([[60, 47, 10], [33, 35, 16], [80, 23, 3]] as const)("%ix%i radius %i: the same product and diagonal, bit for bit", async (width, height, radius) => {
    const { rgb, epsilon, p, penalty } = inputs(width, height, radius, "noise");
    const [simd, scalar] = await Promise.all((["release", "scalar"] as const).map(async (build) =>
      wasmProducts(await makeEngine(build), rgb, width, height, radius, epsilon, penalty, [p])));
    expect(Array.from(simd.products[0])).toEqual(Array.from(scalar.products[0]));
    expect(Array.from(simd.diagonal)).toEqual(Array.from(scalar.diagonal));
    expect(simd.dots).toEqual(scalar.dots);
  });

  it("run the same CG iterations, bit for bit (the fused sweeps sum in the same lanes)", async () => {
    const [width, height, radius] = [45, 37, 4];
    const { rgb, epsilon } = inputs(width, height, radius, "noise");
    const labels = labels8(randomTrimap(width, height, 6).data);
    const [simd, scalar] = await Promise.all((["release", "scalar"] as const).map(async (build) =>
      cgIterates(await makeEngine(build), rgb, labels, width, height, radius, epsilon, 12)));
    expect(simd.iterations).toBe(12);
    expect(scalar.iterations).toBe(12);
    expect(Array.from(scalar.x)).toEqual(Array.from(simd.x));
    expect(Array.from(scalar.state)).toEqual(Array.from(simd.state));
  });
});
