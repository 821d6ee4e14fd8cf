// Inputs pinned when a call is made. A call may wait behind others on the same engine (and the default
// engine may still be loading), so reading the caller's arrays when its turn comes would see whatever they
// hold by then: a later write, a transferred (detached) buffer, a resizable buffer shrunk under the view.
// Each public operation copies its typed arrays, images' sizes and options before it returns its promise;
// what the copy holds is then checked as usual (validate.ts) when the call runs.
import { MattingError } from "./errors.js";
import { isSolution } from "./methods/guess.js";

/** A copy of a typed array; INVALID_INPUT naming `name` when its buffer can no longer be read. */
function copyView(view: ArrayBufferView, name: string): ArrayBufferView {
  if (view instanceof DataView) return view; // not an accepted sample type: validation names it
  try {
    return (view as Uint8Array).slice();
  } catch (cause) {
    const buffer = view.buffer as ArrayBuffer & { resizable?: boolean };
    const detached = buffer.byteLength === 0 && !buffer.resizable;
    throw new MattingError(
      "INVALID_INPUT",
      detached
        ? `${name} cannot be read: its ArrayBuffer was detached (transferred)`
        : `${name} cannot be read: its ArrayBuffer was resized to ${buffer.byteLength} bytes, below the view`,
      { name },
      { cause },
    );
  }
}

/**
 * An image, trimap, mask or alpha as it is now: { width, height, data } with data copied, or a copied typed
 * array (a bare alpha). Anything else, and an object whose reading throws, is returned as it is, for
 * validation to reject.
 */
export function pinPlane<T>(value: T, name: string): T {
  if (ArrayBuffer.isView(value)) return copyView(value, name) as T;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  let width: unknown, height: unknown, data: unknown;
  try {
    ({ width, height, data } = value as { width?: unknown; height?: unknown; data?: unknown });
  } catch {
    return value;
  }
  return { width, height, data: ArrayBuffer.isView(data) ? copyView(data, `${name}.data`) : data } as T;
}

/** A warm start as it is now: an alpha plane pinned, or a solution { width, height, unclamped } with its values copied. */
function pinStart(value: unknown): unknown {
  if (!isSolution(value)) return pinPlane(value, "initialAlpha");
  try {
    const { width, height, unclamped } = value;
    return { width, height, unclamped: ArrayBuffer.isView(unclamped) ? copyView(unclamped, "initialAlpha.unclamped") : unclamped };
  } catch (error) {
    if (error instanceof MattingError) throw error;
    return value;
  }
}

/**
 * Options as they are now: their own enumerable values, each read once, on an object that inherits from the
 * original, so that whatever else validation reads (or a Proxy answers) is still the caller's. Options whose
 * keys or values cannot be read are returned as they are, for validation to reject.
 */
export function pinOptions<T>(options: T): T {
  if (typeof options !== "object" || options === null || Array.isArray(options)) return options;
  try {
    const pinned = Object.create(options) as Record<string, unknown>;
    for (const key of Object.keys(options)) {
      // Defined, not assigned: an assignment would reach an inherited getter-only property of the original.
      const value = (options as Record<string, unknown>)[key];
      // A warm start (AlphaOptions.initialAlpha) is a plane: pinned like the call's other planes.
      Object.defineProperty(pinned, key, { value: key === "initialAlpha" ? pinStart(value) : value, enumerable: true, writable: true, configurable: true });
    }
    return pinned as T;
  } catch {
    return options;
  }
}

/** A composite's background: a colour array copied, an image pinned, a string as it is. */
export function pinBackground<T>(background: T): T {
  if (!Array.isArray(background)) return pinPlane(background, "background");
  try {
    return [...background] as T;
  } catch {
    return background;
  }
}
