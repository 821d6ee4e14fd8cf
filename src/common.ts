// What every runtime entry exports besides the bound operations.
export { MattingError } from "./errors.js";
export type { MattingErrorCode } from "./errors.js";
export type { CreateMattingOptions, Matting, ModuleSource } from "./api.js";
export type { AlphaOptions, AlphaResult, AlphaStats, Phase, Progress, RGBImage, Trimap } from "./types.js";
export { ALPHA_DEFAULTS } from "./validate.js";
