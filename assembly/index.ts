// The module's exported surface: kernels over buffers in linear memory (pointers and lengths in).
export { heapBase } from "./heap";
export {
  imageFrom8, imageFromFloat, firstValueOutsideUnit, labelsFromTrimap8, labelsFromTrimapFloat, composeAlpha,
} from "./convert";
export { indexUnknowns, stencilHalf, stencilScratchBytes, unknownBox, assembleTogether, stencilToCsr } from "./stencil";
export { markFirstCells, markParentCells, nodeTables, buildFirstLevelTogether, firstLevelScratchBytes, buildCoarseLevel, finishLevel } from "./aggregation";
export { jacobiSetup, pcgStart, pcgIterate, pcgResidual } from "./solve";
export { initContext, teamBytes, contextBytes, soloContextOf, heartbeatOf } from "./team";
export {
  paddedFrom8, paddedFromFloat, unpadRgb, planeFrom8, planeFromFloat, resizeNearest, meanColour, foregroundSweeps,
} from "./foreground";
export { cutoutRgba, compositeRgba } from "./compose";
export { distanceScratchBytes, squaredDistances } from "./distance";
export { maskFrom8, maskFromFloat, trimapFromMaskDistances, trimapFromAlphaLevels, widenUnknown } from "./trimap";
export { imageFrom16, paddedFrom16, planeFrom16, maskFrom16, labelsFromTrimap16 } from "./convert16";
