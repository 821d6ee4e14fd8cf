/** Stable error codes; match on `error.code`, never on the message. */
export type MattingErrorCode =
  | "INVALID_INPUT" // not an image / trimap object, or data is not a supported typed array
  | "INVALID_OPTION" // an option out of its documented range
  | "EMPTY_IMAGE" // width or height is zero
  | "IMAGE_TOO_SMALL" // smaller than one matting window (2 * radius + 1) in either direction
  | "BAD_CHANNELS" // data length matches no supported channel count for width x height
  | "SIZE_MISMATCH" // image and trimap (or alpha) differ in size
  | "INVALID_VALUE" // a float sample is NaN or outside [0, 1]
  | "NO_FOREGROUND" // the trimap marks no pixel as surely foreground
  | "NO_BACKGROUND" // the trimap marks no pixel as surely background
  | "TOO_LARGE" // the work would not fit into the 4 GiB of wasm32 memory (CLI: or an input exceeds --max-pixels)
  | "ABORTED" // the caller's AbortSignal fired
  | "WASM_UNAVAILABLE" // the WebAssembly module could not be obtained or instantiated
  | "READ_FAILED" // CLI: a file could not be read or decoded
  | "WRITE_FAILED"; // CLI: a file could not be written

export class MattingError extends Error {
  readonly code: MattingErrorCode;
  /** Numbers behind the message (sizes, counts, byte totals), for programs. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: MattingErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MattingError";
    this.code = code;
    this.details = details;
  }
}

export function abortError(signal: AbortSignal): MattingError {
  return new MattingError("ABORTED", "matting was aborted", {}, { cause: signal.reason });
}
