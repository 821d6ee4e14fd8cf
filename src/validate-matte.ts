// Checks of the inputs of the foreground, compositing and trimap operations (the image and trimap checks
// they share with estimateAlpha live in validate.ts).
import { namedColour } from "./colours.js";
import { MattingError } from "./errors.js";
import type {
  CutoutOptions, ForegroundOptions, TrimapFromAlphaOptions, TrimapFromMaskOptions,
} from "./types.js";
import { type CheckedPlane, checkMattePlane, checkTrimap, describeValue as describe, numberOption, readOptions, resolveAlphaOptions, samples } from "./validate.js";

export const FOREGROUND_DEFAULTS = {
  regularization: 5e-3, gradientWeight: 0.1, smallIterations: 10, bigIterations: 2, smallSize: 32,
} as const satisfies Required<Omit<ForegroundOptions, "onProgress" | "signal">>;

export const TRIMAP_FROM_MASK_DEFAULTS = { foreground: 10, background: 10 } as const satisfies Required<TrimapFromMaskOptions>;
export const TRIMAP_FROM_ALPHA_DEFAULTS = { low: 0.05, high: 0.95, band: 0 } as const satisfies Required<TrimapFromAlphaOptions>;

/**
 * A matte or mask that carries its own size: { width, height, data } with one channel or RGBA,
 * 8-bit or Float32Array.
 */
export function checkMatte(value: unknown, name: string): CheckedPlane {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) {
    throw new MattingError("INVALID_INPUT", `${name} must be an object { width, height, data }, got ${describe(value)}`, { name });
  }
  return checkMattePlane(value, name);
}

/** Alpha for `image`: a Float32Array of one value per pixel, or a matte of the image's size. */
export function checkAlpha(alpha: unknown, image: CheckedPlane, name = "alpha"): CheckedPlane {
  if (alpha instanceof Float32Array) {
    const { data } = samples(alpha, name);
    if (data.length !== image.pixels) {
      throw new MattingError(
        "SIZE_MISMATCH",
        `${name} has ${data.length} values but the ${image.width}x${image.height} image has ${image.pixels} pixels`,
        { name, length: data.length, width: image.width, height: image.height },
      );
    }
    return { width: image.width, height: image.height, pixels: image.pixels, kind: "f32", channels: 1, data };
  }
  if (typeof alpha !== "object" || alpha === null || ArrayBuffer.isView(alpha)) {
    throw new MattingError("INVALID_INPUT", `${name} must be a Float32Array or an object { width, height, data }, got ${describe(alpha)}`, { name });
  }
  return checkTrimap(alpha, image, name);
}

const COLOUR_FORMS = `[r, g, b] with numbers in 0..255, "#rrggbb", "#rgb" or a CSS colour name`;

/**
 * The background of a composite: a colour as 0..255 RGB, or undefined when it is an image ({ width, height,
 * data }, checked by the caller). Anything else is INVALID_INPUT naming the accepted forms.
 */
export function parseColour(value: unknown): [number, number, number] | undefined {
  if (typeof value === "string") {
    const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim())?.[1];
    if (hex === undefined) {
      const named = namedColour(value);
      if (named) return named;
      throw new MattingError("INVALID_INPUT", `background colour must be ${COLOUR_FORMS}, got ${describe(value)}`, { name: "background" });
    }
    const digits = hex.length === 3 ? [...hex].map((d) => d + d) : [hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6)];
    return digits.map((d) => parseInt(d, 16)) as [number, number, number];
  }
  if (Array.isArray(value)) {
    // Read each element once: a getter may throw or answer differently the second time.
    let rgb: unknown[] = [];
    try {
      if (value.length === 3) rgb = [value[0], value[1], value[2]];
    } catch (cause) {
      throw new MattingError("INVALID_INPUT", `background colour could not be read: ${String(cause)}`, { name: "background" }, { cause });
    }
    if (!(rgb.length === 3 && rgb.every((v) => typeof v === "number" && v >= 0 && v <= 255))) {
      const got = rgb.length === 3 ? `[${rgb.map(describe).join(", ")}]` : describe(value);
      throw new MattingError("INVALID_INPUT", `background colour must be ${COLOUR_FORMS}, got ${got}`, { name: "background" });
    }
    return rgb as [number, number, number];
  }
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) {
    throw new MattingError("INVALID_INPUT", `background must be a colour (${COLOUR_FORMS}) or an image { width, height, data }, got ${describe(value)}`,
      { name: "background" });
  }
  return undefined;
}

/**
 * The f32 kernel (assembly/foreground.ts) solves each pixel's 2x2 system by Cramer's rule. Its determinant is
 * W (a^2 + (1 - a)^2 + W) (W: the sum of the four edge weights, at least 4 regularization) computed as a
 * difference of O(1) products, so a small W loses digits where alpha is flat and fractional: measured against
 * the f64 reference over 40x30 scenes with flat, ramped and random alpha, the worst colour error is 5e-4 at
 * regularization 1e-4 (a quarter of an 8-bit level at most), 1.3e-3 at 3e-5, 5e-3 at 1e-5, and the result is
 * all NaN from about 1e-9 down. At the other end W^2 overflows f32 once regularization + gradientWeight pass
 * about 4e18 (the colours turn to 0); up to 3e18 they stay within 1e-6 of the reference.
 */
const REGULARIZATION_RANGE = [1e-4, 1e12] as const;
const GRADIENT_WEIGHT_MAX = 1e12;
const nonNegativeFinite = (v: number) => Number.isFinite(v) && v >= 0;
const sweepCount = (v: number) => Number.isInteger(v) && v >= 1 && v <= 1000;

export interface ResolvedForegroundOptions {
  regularization: number;
  gradientWeight: number;
  smallIterations: number;
  bigIterations: number;
  smallSize: number;
  onProgress?: ForegroundOptions["onProgress"];
  signal?: AbortSignal;
}

export function resolveForegroundOptions(options: ForegroundOptions | undefined): ResolvedForegroundOptions {
  const o = readOptions(options, [...Object.keys(FOREGROUND_DEFAULTS), "onProgress", "signal"]);
  const d = FOREGROUND_DEFAULTS;
  // onProgress and signal follow the same rules as estimateAlpha's.
  const { onProgress, signal } = resolveAlphaOptions({ onProgress: o.onProgress as never, signal: o.signal as never });
  return {
    regularization: numberOption(o, "regularization", d.regularization, (v) => v >= REGULARIZATION_RANGE[0] && v <= REGULARIZATION_RANGE[1],
      `a number from ${REGULARIZATION_RANGE[0]} to ${REGULARIZATION_RANGE[1]}`),
    gradientWeight: numberOption(o, "gradientWeight", d.gradientWeight, (v) => v >= 0 && v <= GRADIENT_WEIGHT_MAX, `a number from 0 to ${GRADIENT_WEIGHT_MAX}`),
    smallIterations: numberOption(o, "smallIterations", d.smallIterations, sweepCount, "an integer from 1 to 1000"),
    bigIterations: numberOption(o, "bigIterations", d.bigIterations, sweepCount, "an integer from 1 to 1000"),
    smallSize: numberOption(o, "smallSize", d.smallSize, (v) => Number.isInteger(v) && v >= 1, "a positive integer"),
    onProgress,
    signal,
  };
}

export function resolveCutoutOptions(options: CutoutOptions | undefined): { premultiplied: boolean } {
  const o = readOptions(options, ["premultiplied"]);
  if (o.premultiplied !== undefined && typeof o.premultiplied !== "boolean") {
    throw new MattingError("INVALID_OPTION", `option premultiplied must be a boolean, got ${describe(o.premultiplied)}`, { option: "premultiplied" });
  }
  return { premultiplied: o.premultiplied === true };
}

export function resolveTrimapFromMaskOptions(options: TrimapFromMaskOptions | undefined): Required<TrimapFromMaskOptions> {
  const o = readOptions(options, Object.keys(TRIMAP_FROM_MASK_DEFAULTS));
  const d = TRIMAP_FROM_MASK_DEFAULTS;
  return {
    foreground: numberOption(o, "foreground", d.foreground, nonNegativeFinite, "a non-negative number of pixels"),
    background: numberOption(o, "background", d.background, nonNegativeFinite, "a non-negative number of pixels"),
  };
}

export function resolveTrimapFromAlphaOptions(options: TrimapFromAlphaOptions | undefined): Required<TrimapFromAlphaOptions> {
  const o = readOptions(options, Object.keys(TRIMAP_FROM_ALPHA_DEFAULTS));
  const d = TRIMAP_FROM_ALPHA_DEFAULTS;
  const unit = (v: number) => v >= 0 && v <= 1;
  const resolved = {
    low: numberOption(o, "low", d.low, unit, "a number in [0, 1]"),
    high: numberOption(o, "high", d.high, unit, "a number in [0, 1]"),
    band: numberOption(o, "band", d.band, nonNegativeFinite, "a non-negative number of pixels"),
  };
  if (!(resolved.low < resolved.high)) {
    throw new MattingError("INVALID_OPTION", `option low (${resolved.low}) must be below high (${resolved.high})`, { option: "low", value: resolved.low });
  }
  return resolved;
}
