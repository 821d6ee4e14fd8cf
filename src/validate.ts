// Every check of user input happens here, before anything touches wasm memory.
import { MattingError } from "./errors.js";
import type { MethodOptions } from "./methods/index.js";
import type { AlphaOptions, RGBImage } from "./types.js";

export type SampleKind = "u8" | "f32";

export interface CheckedPlane {
  width: number;
  height: number;
  pixels: number;
  kind: SampleKind;
  channels: number;
  data: Uint8Array | Float32Array;
}

const MAX_SIDE = 1 << 20;

function sampleKind(data: unknown, name: string): SampleKind {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "u8";
  if (data instanceof Float32Array) return "f32";
  const got = data === null ? "null" : typeof data === "object" ? (data as object).constructor?.name ?? "object" : typeof data;
  throw new MattingError("INVALID_INPUT", `${name}.data must be a Uint8Array, Uint8ClampedArray or Float32Array, got ${got}`, { name });
}

function checkSize(value: { width?: unknown; height?: unknown }, name: string): { width: number; height: number } {
  const { width, height } = value;
  for (const [key, v] of [["width", width], ["height", height]] as const) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new MattingError("INVALID_INPUT", `${name}.${key} must be a non-negative integer, got ${String(v)}`, { name });
    }
    if (v > MAX_SIDE) {
      throw new MattingError("TOO_LARGE", `${name}.${key} is ${v}; at most ${MAX_SIDE} is supported`, { name, [key]: v });
    }
  }
  const w = width as number;
  const h = height as number;
  if (w === 0 || h === 0) throw new MattingError("EMPTY_IMAGE", `${name} is ${w}x${h}: it has no pixels`, { name, width: w, height: h });
  return { width: w, height: h };
}

function asBytes(data: Uint8Array | Uint8ClampedArray | Float32Array): Uint8Array | Float32Array {
  return data instanceof Uint8ClampedArray ? new Uint8Array(data.buffer, data.byteOffset, data.length) : data;
}

function plane(value: unknown, name: string, allowed: Record<SampleKind, number[]>, labels: Record<number, string>): CheckedPlane {
  if (typeof value !== "object" || value === null) {
    throw new MattingError("INVALID_INPUT", `${name} must be an object { width, height, data }, got ${value === null ? "null" : typeof value}`, { name });
  }
  const { width, height } = checkSize(value as RGBImage, name);
  const raw = (value as RGBImage).data;
  const kind = sampleKind(raw, name);
  const pixels = width * height;
  const channels = allowed[kind].find((c) => raw.length === pixels * c);
  if (channels === undefined) {
    const options = allowed[kind].map((c) => `${pixels * c} (${labels[c]})`).join(" or ");
    throw new MattingError(
      "BAD_CHANNELS",
      `${name}.data has ${raw.length} ${kind === "u8" ? "bytes" : "floats"}; a ${width}x${height} ${name} needs ${options}`,
      { name, length: raw.length, width, height },
    );
  }
  return { width, height, pixels, kind, channels, data: asBytes(raw) };
}

export function checkImage(image: unknown, name = "image"): CheckedPlane {
  return plane(image, name, { u8: [4, 3], f32: [3] }, { 3: "RGB", 4: "RGBA" });
}

export function checkTrimap(trimap: unknown, image: CheckedPlane, name = "trimap"): CheckedPlane {
  const checked = plane(trimap, name, { u8: [1, 4], f32: [1, 4] }, { 1: "one channel", 4: "RGBA" });
  if (checked.width !== image.width || checked.height !== image.height) {
    throw new MattingError(
      "SIZE_MISMATCH",
      `${name} is ${checked.width}x${checked.height} but the image is ${image.width}x${image.height}`,
      { name, width: checked.width, height: checked.height, imageWidth: image.width, imageHeight: image.height },
    );
  }
  return checked;
}

export interface ResolvedAlphaOptions {
  epsilon: number;
  radius: number;
  tolerance: number;
  maxIterations: number;
  preconditioner: "multigrid" | "jacobi";
  /** Internal, for tests: the multigrid coarse correction factor (default 1.5). */
  overCorrection?: number;
  onProgress?: AlphaOptions["onProgress"];
  signal?: AbortSignal;
}

export const ALPHA_DEFAULTS = {
  epsilon: 1e-7, radius: 1, tolerance: 1e-7, maxIterations: 20000, preconditioner: "multigrid",
} as const satisfies Required<Omit<AlphaOptions, "onProgress" | "signal" | "method" | keyof MethodOptions>>;

const PRECONDITIONERS = ["multigrid", "jacobi"] as const;

/** A numeric option: `fallback` when absent, INVALID_OPTION naming `rule` unless `ok` holds. */
export function numberOption(options: Record<string, unknown>, key: string, fallback: number, ok: (v: number) => boolean, rule: string): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !ok(v)) {
    throw new MattingError("INVALID_OPTION", `option ${key} must be ${rule}, got ${String(v)}`, { option: key, value: v });
  }
  return v;
}

export function resolveAlphaOptions(options: AlphaOptions | undefined): ResolvedAlphaOptions {
  if (options === undefined) return { ...ALPHA_DEFAULTS };
  if (typeof options !== "object" || options === null) {
    throw new MattingError("INVALID_OPTION", `options must be an object, got ${options === null ? "null" : typeof options}`);
  }
  const o = options as Record<string, unknown>;
  const resolved: ResolvedAlphaOptions = {
    // Box-sum covariances carry ~1e-16 absolute rounding; epsilon/|w| must stay well above it, or flat
    // windows get indefinite covariances and alpha turns to noise (seen from about 1e-25 down).
    epsilon: numberOption(o, "epsilon", ALPHA_DEFAULTS.epsilon, (v) => v >= 1e-12 && v <= 1, "a number from 1e-12 to 1"),
    radius: numberOption(o, "radius", ALPHA_DEFAULTS.radius, (v) => Number.isInteger(v) && v >= 1 && v <= 8, "an integer from 1 to 8"),
    tolerance: numberOption(o, "tolerance", ALPHA_DEFAULTS.tolerance, (v) => Number.isFinite(v) && v > 0 && v < 1, "a number in (0, 1)"),
    maxIterations: numberOption(o, "maxIterations", ALPHA_DEFAULTS.maxIterations, (v) => Number.isInteger(v) && v >= 1, "a positive integer"),
    preconditioner: ALPHA_DEFAULTS.preconditioner,
  };
  if (o.preconditioner !== undefined) {
    if (!PRECONDITIONERS.includes(o.preconditioner as never)) {
      throw new MattingError("INVALID_OPTION", `option preconditioner must be "multigrid" or "jacobi", got ${String(o.preconditioner)}`, { option: "preconditioner", value: o.preconditioner });
    }
    resolved.preconditioner = o.preconditioner as ResolvedAlphaOptions["preconditioner"];
  }
  if (o.onProgress !== undefined) {
    if (typeof o.onProgress !== "function") throw new MattingError("INVALID_OPTION", "option onProgress must be a function", { option: "onProgress" });
    resolved.onProgress = o.onProgress as ResolvedAlphaOptions["onProgress"];
  }
  if (o.signal !== undefined) {
    const s = o.signal as AbortSignal;
    if (typeof s !== "object" || s === null || typeof s.aborted !== "boolean") {
      throw new MattingError("INVALID_OPTION", "option signal must be an AbortSignal", { option: "signal" });
    }
    resolved.signal = s;
  }
  return resolved;
}
