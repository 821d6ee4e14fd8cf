// Arguments of `matting frames`: a folder of video frames, their trimaps (or masks and a band), the output folder
// and the solver's flags. Parsed alone, so that the single-image command's table (args.ts) stays as it is.
import { parseArgs } from "node:util";
import { ALPHA_DEFAULTS, type AlphaOptions, METHOD_NAMES } from "../entry/node.js";
import { UsageError } from "./args.js";
import { DEFAULT_MAX_PIXELS } from "./limits.js";
import { IFM_TOLERANCE } from "../methods/options.js";

export interface FramesCommand {
  kind: "frames";
  frames: string;
  /** Where each frame's trimap, or mask, is found by the frame's file stem. */
  source: { kind: "trimaps"; dir: string } | { kind: "masks"; dir: string; band: number };
  out: string;
  warmStart: boolean;
  alphaOptions: Pick<AlphaOptions, "method" | "tolerance" | "maxIterations" | "preconditioner">;
  threads: number;
  maxPixels: number;
  json: boolean;
  quiet: boolean;
}

const DEFAULT_BAND = 10;

export const FRAMES_HELP = `Usage: matting frames FRAMES_DIR (--trimaps DIR | --masks DIR [--band N]) --out DIR [options]

Mattes the frames of a video in order (natural sort of their file names: frame2 before frame10), each solve
starting from the previous frame's solution, and writes each alpha as OUT/<stem>.png (atomically: a frame's file
is complete or absent). A frame's trimap or mask is the file of the same stem in DIR, in any supported format.

    --trimaps DIR         the frames' trimaps (0 background, 255 foreground, anything else unknown)
    --masks DIR           the frames' masks instead; each trimap is built with an unknown band each side of the edge
    --band N              width in pixels of that band (default ${DEFAULT_BAND})
    --out DIR             where the alphas are written (created if missing)
    --no-warm-start       solve every frame from 0, to compare
    --method NAME         ${METHOD_NAMES.join(", ")} (default cf; sm has no solve to warm-start)
    --tolerance T         relative residual at which each solve stops (default the method's: ${ALPHA_DEFAULTS.tolerance}, ifm ${IFM_TOLERANCE.toExponential()})
    --max-iterations N    iteration cap per frame (default 20000)
    --preconditioner P    multigrid or jacobi (cf, rw, lbdm)
    --threads N           threads sharing each frame's work: its solve, and the searches of ifm, combined, knn (default 1)
    --max-pixels N        refuse frames with more pixels (default ${DEFAULT_MAX_PIXELS})
    --json                one JSON line per frame, then a summary line
    -q, --quiet           no progress bar and no summary
    -h, --help            this text
`;

function number(flag: string, text: string | undefined, check: (v: number) => boolean, rule: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${flag} must be ${rule}, got '${text}'`);
  return value;
}

export function parseFramesCommand(argv: readonly string[]): FramesCommand | { kind: "help" } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true, strict: true,
      options: {
        trimaps: { type: "string" }, masks: { type: "string" }, band: { type: "string" }, out: { type: "string" },
        "no-warm-start": { type: "boolean" }, method: { type: "string" }, tolerance: { type: "string" },
        "max-iterations": { type: "string" }, preconditioner: { type: "string" }, threads: { type: "string" },
        "max-pixels": { type: "string" }, json: { type: "boolean" }, quiet: { type: "boolean", short: "q" }, help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(String((error as Error).message).split(/\.\s/)[0].replace(/\.$/, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  const [frames, ...extra] = positionals;
  if (frames === undefined) throw new UsageError("missing FRAMES_DIR");
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (FRAMES_DIR is already given)`);
  if ((values.trimaps === undefined) === (values.masks === undefined)) throw new UsageError("give one of --trimaps DIR and --masks DIR");
  if (values.band !== undefined && values.masks === undefined) throw new UsageError("--band sets the unknown band of --masks; give --masks DIR too");
  if (values.out === undefined) throw new UsageError("missing --out DIR");
  const method = values.method;
  if (method !== undefined && !METHOD_NAMES.includes(method as never)) throw new UsageError(`--method must be one of ${METHOD_NAMES.join(", ")}, got '${method}'`);
  const preconditioner = values.preconditioner;
  if (preconditioner !== undefined && preconditioner !== "multigrid" && preconditioner !== "jacobi") {
    throw new UsageError(`--preconditioner must be multigrid or jacobi, got '${preconditioner}'`);
  }
  const band = number("band", values.band, (v) => v >= 0, "a number of pixels >= 0") ?? DEFAULT_BAND;
  const alphaOptions: FramesCommand["alphaOptions"] = {
    ...(method === undefined ? {} : { method: method as AlphaOptions["method"] }),
    ...(preconditioner === undefined ? {} : { preconditioner }),
  };
  const tolerance = number("tolerance", values.tolerance, () => true, "a number");
  if (tolerance !== undefined) alphaOptions.tolerance = tolerance;
  const maxIterations = number("max-iterations", values["max-iterations"], () => true, "a number");
  if (maxIterations !== undefined) alphaOptions.maxIterations = maxIterations;
  return {
    kind: "frames",
    frames,
    source: values.trimaps !== undefined ? { kind: "trimaps", dir: values.trimaps } : { kind: "masks", dir: values.masks!, band },
    out: values.out,
    warmStart: values["no-warm-start"] !== true,
    alphaOptions,
    threads: number("threads", values.threads, (v) => Number.isInteger(v) && v >= 1 && v <= 64, "an integer from 1 to 64") ?? 1,
    maxPixels: number("max-pixels", values["max-pixels"], (v) => Number.isSafeInteger(v) && v >= 1, "a whole number of pixels >= 1") ?? DEFAULT_MAX_PIXELS,
    json: values.json === true,
    quiet: values.quiet === true,
  };
}
