// The module's exported surface: kernels over buffers in linear memory (pointers and lengths in).
export { heapBase } from "./heap";
export {
  imageFrom8, imageFromFloat, firstValueOutsideUnit, labelsFromTrimap8, labelsFromTrimapFloat, composeAlpha,
} from "./convert";
export { indexUnknowns, stencilHalf, stencilScratchBytes, unknownBox, assembleTogether, stencilToCsr } from "./stencil";
export { buildCoarseLevelTogether, coarseScratchBytes } from "./coarse-together";
export { bandScratchBytes, bandCounts } from "./bands";
export { markFirstCells, markParentCells, nodeTables, buildFirstLevelTogether, firstLevelScratchBytes, coarseParents, finishLevel } from "./aggregation";
export { smoothedRowParents, fineSpectralRadius, smoothedFineProlongator, smoothedFirstGalerkin, mirrorBlocks } from "./smoothed";
export { smoothedParents, smoothedCoarseBasis, blockSpectralRadius, smoothedCoarseProlongator, smoothedCoarseGalerkin } from "./smoothed-coarse";
export { jacobiSetup, pcgStart, pcgIterate, pcgResidual } from "./solve";
export { initContext, teamBytes, contextBytes, soloContextOf, heartbeatOf, barrierRecordOf } from "./team";
export {
  paddedFrom8, paddedFromFloat, unpadRgb, planeFrom8, planeFromFloat, resizeNearest, meanColour, foregroundSweeps,
} from "./foreground";
export { cutoutRgba, compositeRgba } from "./compose";
export { distanceScratchBytes, squaredDistances } from "./distance";
export { maskFrom8, maskFromFloat, trimapFromMaskDistances, trimapFromAlphaLevels, widenUnknown } from "./trimap";
export { imageFrom16, paddedFrom16, planeFrom16, maskFrom16, labelsFromTrimap16 } from "./convert16";
export { lleWeights, lleScratchBytes } from "./graph/lle";
export * from "./methods/ifm";
export * from "./methods/ifm-trim";
export { ifmRowsTogether, ifmSetUpTogether } from "./methods/ifm-together";
export { indexBand, penaltyTerms } from "./methods/penalty";
export { rwStencil } from "./methods/rw";
export { lkmScratchBytes, lkmSetup, boxValid, boxFull, indexAllPixels } from "./methods/lkm";
export { lkmProduct } from "./methods/lkm-product";
export { lkmJacobi, lkmCgStart, lkmCgIterate } from "./methods/lkm-cg";
export { lbdmScratchBytes, lbdmStencil } from "./methods/lbdm";
export { sparseRowStarts, sparseRowSplits, sparseSortRows } from "./solve/sparse";
export { sparsePreconditionerSetup, sparsePrecondition } from "./solve/precondition";
export { sparsePcgStart, sparsePcgIterate } from "./solve/pcg";
export { constrainedRows, constrainedCounts, constrainedFill } from "./solve/constrain";
export { seedSolution, composeSolution, firstNonFinite } from "./solve/guess";
export * from "./methods/ifm-system";
export * from "./methods/ifm-pcg";
export * from "./methods/ifm-coarse";
export * from "./methods/ifm-blocks";
export { smExpandScratchBytes, smExpand, smMeans, smGatherScratchBytes, smGatherOrderBytes, smGather, smGatherTogether } from "./methods/sm";
export { smDistanceMap } from "./methods/sm-rays";
export { smRefineScratchBytes, smRefine } from "./methods/sm-refine";
export { smTableBytes, smSmoothColoursScratchBytes, smSmoothColours, smSmoothAlpha } from "./methods/sm-smooth";
export { smGradients } from "./methods/sm-path";
export { kdNodeCount, kdCoordinateBytes, kdBoxBytes, kdQuery, kdQueryOwnPoints, kdQueryScratchBytes } from "./graph/kdtree";
export { kdBuild, kdBuildTogether } from "./graph/kdtree-build";
export { gridLayoutBytes, gridLayout, gridScratchBytes, gridEveryRow, gridQueryPixels } from "./graph/grid-search";
export { kdQueryTogether, gridQueryTogether } from "./graph/search-together";
export { knnFeatures, knnSoftWeights, knnDegrees, knnActiveRows, knnSystem, knnEdgeCounts, knnEdgeFill, knnMergeRows, knnSplitRows } from "./methods/knn";
export { knnSgsStart, knnSgsIterate, knnSgsFinish } from "./methods/knn-sgs";
export { knnMarkReached, knnGatherReached, knnGatherLate, knnBoundScratchBytes, knnSkipFar, knnCheckSkipped, knnRowsOfLabel } from "./methods/knn-skip";
export { knnJacobi, knnProduct, knnCgStart, knnCgIterate } from "./methods/knn-cg";
export {
  colourLineResiduals, gatherMatte, towardClosedForm, unexplainedWeights, weightedMedianVote,
} from "./methods/combined";
