// The combination of information flow and closed-form matting: per image, the paper's own transparency test
// (assembly/methods/ifm-trim.ts, Aksoy et al. 2017 section 5), computed from the photo and trimap alone, picks
// closed-form for a highly transparent matte (veils, soft gradients, where information flow without its
// known-to-unknown flow measured worse than closed-form) and information flow otherwise. No parameter is fitted.
import { closedForm } from "./cf.js";
import { IFM_PARAMETERS, highlyTransparent, informationFlow } from "./ifm.js";
import { TRANSPARENCY_VALUES, ifmKernels } from "./ifm-kernels.js";
import { SOLVER_OPTIONS } from "./options.js";
import type { AlphaMethod, MethodContext } from "./types.js";

const options = { ...SOLVER_OPTIONS };

/** Whether the paper's test finds the matte highly transparent. */
export function transparentMatte(context: MethodContext): boolean {
  const { arena, engine, width, height, pixels } = context;
  const k = ifmKernels(engine);
  const mark = arena.mark();
  const histograms = arena.alloc(TRANSPARENCY_VALUES * 8);
  k.transparencyHistograms(pixels.image, pixels.labels, width, height, arena.alloc(width * height), histograms);
  const transparent = highlyTransparent(arena.f64(histograms, TRANSPARENCY_VALUES).slice(), IFM_PARAMETERS.transparencyThreshold);
  arena.release(mark);
  return transparent;
}

const closedFormDefaults = Object.fromEntries(Object.entries(closedForm.options).map(([key, spec]) => [key, spec.default])) as never;

export const combined: AlphaMethod<typeof options> = {
  name: "combined",
  options,
  warmStart: true,
  minimumSide: () => ({ side: 3, reason: "3x3 windows" }),
  peakBytes: (size, o, engine) =>
    Math.max(informationFlow.peakBytes(size, o, engine), closedForm.peakBytes(size, closedFormDefaults, engine)) + size.pixels,
  solve(context, o) {
    if (transparentMatte(context)) return closedForm.solve(context, { ...(closedFormDefaults as object), ...o } as never);
    return informationFlow.solve(context, o);
  },
};
