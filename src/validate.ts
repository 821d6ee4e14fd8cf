// Every check of user input happens here, before anything touches wasm memory.
import { MattingError } from "./errors.js";
import type { MethodOptions } from "./methods/index.js";
import type { AlphaOptions } from "./types.js";

export type SampleKind = "u8" | "u16" | "f32";

export interface CheckedPlane {
  width: number;
  height: number;
  pixels: number;
  kind: SampleKind;
  channels: number;
  data: Uint8Array | Uint16Array | Float32Array;
}

const MAX_SIDE = 1 << 20;

/** A short description of what a caller passed that never throws (Symbols, hostile toString and proxies included). */
export function describeValue(value: unknown): string {
  try {
    if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    if (Array.isArray(value)) return `an array of ${value.length}`;
    if (ArrayBuffer.isView(value)) return value.constructor.name;
    if (value === null) return "null";
    if (typeof value === "object") return value.constructor?.name ?? "object";
    if (typeof value === "function") return "a function";
    return typeof value === "symbol" ? value.toString() : String(value);
  } catch {
    return typeof value;
  }
}

// The typed arrays' own accessors: a subclass or an own property cannot make them lie about the memory read.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (key: string) => Object.getOwnPropertyDescriptor(typedArrayPrototype, key)!.get! as (this: unknown) => unknown;
const lengthOf = intrinsic("length"), bufferOf = intrinsic("buffer"), byteOffsetOf = intrinsic("byteOffset");

const VIEWS = { u8: Uint8Array, u16: Uint16Array, f32: Float32Array } as const;

function sampleKind(data: unknown): SampleKind | undefined {
  // ArrayBuffer.isView is false for a Proxy, which instanceof alone would let through.
  if (!ArrayBuffer.isView(data)) return undefined;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "u8";
  if (data instanceof Uint16Array) return "u16";
  if (data instanceof Float32Array) return "f32";
  return undefined;
}

/** The samples as a plain view of the kind's own type (Uint8ClampedArray as Uint8Array) over the same memory. */
export function samples(data: unknown, name: string): { kind: SampleKind; data: Uint8Array | Uint16Array | Float32Array } {
  const kind = sampleKind(data);
  if (kind === undefined) {
    throw new MattingError("INVALID_INPUT", `${name}.data must be a Uint8Array, Uint8ClampedArray, Uint16Array or Float32Array, got ${describeValue(data)}`, { name });
  }
  try {
    return { kind, data: new VIEWS[kind](bufferOf.call(data) as ArrayBuffer, byteOffsetOf.call(data) as number, lengthOf.call(data) as number) };
  } catch (cause) {
    throw new MattingError("INVALID_INPUT", `${name}.data cannot be read (a detached buffer?): ${describeValue(cause)}`, { name }, { cause });
  }
}

/** width, height and data, each read once (a getter may throw, or answer differently the second time). */
function fields(value: object, name: string): { width: unknown; height: unknown; data: unknown } {
  try {
    const { width, height, data } = value as Record<string, unknown>;
    return { width, height, data };
  } catch (cause) {
    throw new MattingError("INVALID_INPUT", `${name} could not be read: ${describeValue(cause)}`, { name }, { cause });
  }
}

function checkSize(width: unknown, height: unknown, name: string): { width: number; height: number } {
  for (const [key, v] of [["width", width], ["height", height]] as const) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new MattingError("INVALID_INPUT", `${name}.${key} must be a non-negative integer, got ${describeValue(v)}`, { name });
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

const SAMPLE_WORDS: Record<SampleKind, string> = { u8: "bytes", u16: "16-bit samples", f32: "floats" };

function plane(value: unknown, name: string, allowed: Record<SampleKind, number[]>, labels: Record<number, string>): CheckedPlane {
  if (typeof value !== "object" || value === null) {
    throw new MattingError("INVALID_INPUT", `${name} must be an object { width, height, data }, got ${describeValue(value)}`, { name });
  }
  const read = fields(value, name);
  const { width, height } = checkSize(read.width, read.height, name);
  const { kind, data: raw } = samples(read.data, name);
  const pixels = width * height;
  const channels = allowed[kind].find((c) => raw.length === pixels * c);
  if (channels === undefined) {
    const options = allowed[kind].map((c) => `${pixels * c} (${labels[c]})`).join(" or ");
    throw new MattingError(
      "BAD_CHANNELS",
      `${name}.data has ${raw.length} ${SAMPLE_WORDS[kind]}; a ${width}x${height} ${name} needs ${options}`,
      { name, length: raw.length, width, height },
    );
  }
  return { width, height, pixels, kind, channels, data: raw };
}

export function checkImage(image: unknown, name = "image"): CheckedPlane {
  return plane(image, name, { u8: [4, 3], u16: [4, 3], f32: [3] }, { 3: "RGB", 4: "RGBA" });
}

/** A trimap, mask or alpha matte checked against its own size. */
export function checkMattePlane(value: unknown, name: string): CheckedPlane {
  // Three channels too: decoders give RGB for grey palette PNGs (the alphamatting.com trimaps are such).
  const channels = [1, 3, 4];
  return plane(value, name, { u8: channels, u16: channels, f32: channels }, { 1: "one channel", 3: "RGB", 4: "RGBA" });
}

export function checkTrimap(trimap: unknown, image: CheckedPlane, name = "trimap"): CheckedPlane {
  const checked = checkMattePlane(trimap, name);
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
  /** Internal, for tests: block levels with more nodes sweep forward after their coarse correction (src/alpha.ts FORWARD_AFTER_NODES). */
  forwardAfterNodes?: number;
  /** Internal, for tests and benchmarks: the multigrid with smoothed prolongators where it takes them (src/alpha.ts, src/smoothed.ts). */
  smoothedAggregation?: boolean;
  /** Internal: may switch to smoothed aggregation when the solve turns out slow (src/smoothed-switch.ts); closed-form sets it. */
  smoothedSwitch?: boolean;
  onProgress?: AlphaOptions["onProgress"];
  signal?: AbortSignal;
}

export const ALPHA_DEFAULTS = {
  epsilon: 1e-7, radius: 1, tolerance: 1e-7, maxIterations: 20000, preconditioner: "multigrid",
} as const satisfies Required<Omit<AlphaOptions, "onProgress" | "signal" | "method" | "initialAlpha" | "keepSolution" | keyof MethodOptions>>;

const PRECONDITIONERS = ["multigrid", "jacobi"] as const;

/** The options object's `keys`, each read once; INVALID_OPTION if it is not an object or a read throws. */
export function readOptions(options: unknown, keys: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new MattingError("INVALID_OPTION", `options must be an object, got ${describeValue(options)}`);
  }
  const read: Record<string, unknown> = {};
  for (const key of keys) {
    try {
      read[key] = (options as Record<string, unknown>)[key];
    } catch (cause) {
      throw new MattingError("INVALID_OPTION", `option ${key} could not be read: ${describeValue(cause)}`, { option: key }, { cause });
    }
  }
  return read;
}

/** A numeric option: `fallback` when absent, INVALID_OPTION naming `rule` unless `ok` holds. */
export function numberOption(options: Record<string, unknown>, key: string, fallback: number, ok: (v: number) => boolean, rule: string): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !ok(v)) {
    throw new MattingError("INVALID_OPTION", `option ${key} must be ${rule}, got ${describeValue(v)}`, { option: key, value: v });
  }
  return v;
}

export function resolveAlphaOptions(options: AlphaOptions | undefined): ResolvedAlphaOptions {
  if (options === undefined) return { ...ALPHA_DEFAULTS };
  const o = readOptions(options, ["epsilon", "radius", "tolerance", "maxIterations", "preconditioner", "onProgress", "signal"]);
  const resolved: ResolvedAlphaOptions = {
    // Box-sum covariances carry ~1e-16 absolute rounding; epsilon/|w| must stay well above it, or flat
    // windows get indefinite covariances and alpha turns to noise (seen from about 1e-25 down).
    epsilon: numberOption(o, "epsilon", ALPHA_DEFAULTS.epsilon, (v) => v >= 1e-12 && v <= 1, "a number from 1e-12 to 1"),
    radius: numberOption(o, "radius", ALPHA_DEFAULTS.radius, (v) => Number.isInteger(v) && v >= 1 && v <= 8, "an integer from 1 to 8"),
    // CG's recursive residual r.z underflows f64 near a relative residual of 1e-162 (measured on a 40x30 image,
    // Jacobi): the step turns to 0/0 and alpha to garbage. Below about 1e-15 the answer no longer changes.
    tolerance: numberOption(o, "tolerance", ALPHA_DEFAULTS.tolerance, (v) => v >= 1e-30 && v < 1, "a number from 1e-30 to below 1"),
    maxIterations: numberOption(o, "maxIterations", ALPHA_DEFAULTS.maxIterations, (v) => Number.isInteger(v) && v >= 1, "a positive integer"),
    preconditioner: ALPHA_DEFAULTS.preconditioner,
  };
  if (o.preconditioner !== undefined) {
    if (!PRECONDITIONERS.includes(o.preconditioner as never)) {
      throw new MattingError("INVALID_OPTION", `option preconditioner must be "multigrid" or "jacobi", got ${describeValue(o.preconditioner)}`, { option: "preconditioner", value: o.preconditioner });
    }
    resolved.preconditioner = o.preconditioner as ResolvedAlphaOptions["preconditioner"];
  }
  if (o.onProgress !== undefined) {
    if (typeof o.onProgress !== "function") throw new MattingError("INVALID_OPTION", "option onProgress must be a function", { option: "onProgress" });
    resolved.onProgress = o.onProgress as ResolvedAlphaOptions["onProgress"];
  }
  if (o.signal !== undefined) {
    const s = o.signal as AbortSignal;
    if (typeof s !== "object" || s === null || typeof readOptions(s, ["aborted"]).aborted !== "boolean") {
      throw new MattingError("INVALID_OPTION", "option signal must be an AbortSignal", { option: "signal" });
    }
    resolved.signal = s;
  }
  return resolved;
}
