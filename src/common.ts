// What every runtime entry exports besides the bound operations.
export { MattingError } from "./errors.js";
export type { MattingErrorCode } from "./errors.js";
export type { CreateMattingOptions, Matting, ModuleSource } from "./api.js";
export type { AlphaOptions, AlphaResult, AlphaSolution, AlphaStats, Phase, Progress, RGBImage, Trimap } from "./types.js";
export { ALPHA_DEFAULTS } from "./validate.js";
export { METHOD_NAMES } from "./methods/index.js";
export type { MethodName } from "./methods/index.js";
export type {
  AlphaInput, AlphaMatte, Colour, CutoutOptions, ForegroundOptions, ForegroundResult, MatteOptions, MatteResult, MatteStats,
  RGBAImage, TrimapFromAlphaOptions, TrimapFromMaskOptions, TrimapImage, TrimapStats,
} from "./types.js";
export { FOREGROUND_DEFAULTS, TRIMAP_FROM_ALPHA_DEFAULTS, TRIMAP_FROM_MASK_DEFAULTS } from "./validate-matte.js";
export { matteSequence } from "./sequence.js";
export type { SequenceEngine, SequenceFrame, SequenceOptions, SequenceProgress, SequenceResult } from "./sequence.js";
