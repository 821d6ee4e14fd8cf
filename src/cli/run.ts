// One run of the command: read the inputs, build the trimap from a mask if asked, matte, write every
// requested output (all or none), and report. Errors are thrown as MattingError for main.ts to print.
import { ALPHA_DEFAULTS, type AlphaStats, type Matting, type Trimap, type TrimapStats, createMatting } from "../entry/node.js";
import type { Outputs, RunCommand } from "./args.js";
import type { OutputCommit, OutputFile } from "./commit.js";
import { type Inputs, readInputs } from "./inputs.js";
import { progressDisplay } from "./progress.js";
import { DEFAULT_METHOD, METHODS } from "../methods/index.js";

type Images = typeof import("./images.js");

/** The engine operations a run uses: an engine's, or a pool's (matting batch). */
export type RunOperations = Pick<Matting, "estimateAlpha" | "matte" | "trimapFromMask" | "trimapStats" | "cutout" | "composite">;

export interface Computed {
  trimap: Trimap;
  trimapStats?: TrimapStats;
  alpha?: Float32Array;
  foreground?: Float32Array;
  stats?: AlphaStats;
}

/** Alpha only when alpha is all that is written; matte() (one progress stream) when colours are needed too. */
export async function compute(
  matting: RunOperations, command: RunCommand, inputs: Inputs, signal: AbortSignal, onProgress?: ReturnType<typeof progressDisplay>["onProgress"],
): Promise<Computed> {
  const { outputs, trimap: source } = command;
  let computed: Computed;
  if (source.kind === "mask") {
    const trimap = await matting.trimapFromMask(inputs.mask!, { foreground: source.band, background: source.band });
    computed = { trimap, trimapStats: await matting.trimapStats(trimap) };
  } else {
    computed = { trimap: inputs.trimap! };
  }
  const needsColours = outputs.foreground !== undefined || outputs.cutout !== undefined || outputs.composite !== undefined;
  const options = { ...command.alphaOptions, onProgress, signal };
  if (needsColours) {
    const result = await matting.matte(inputs.image, computed.trimap, options);
    return { ...computed, alpha: result.alpha, foreground: result.foreground, stats: result.stats };
  }
  if (outputs.alpha !== undefined) {
    const result = await matting.estimateAlpha(inputs.image, computed.trimap, options);
    return { ...computed, alpha: result.alpha, stats: result.stats };
  }
  return computed;
}

/** Encodes every requested output as a PNG, in command-line order. */
export async function encodeOutputs(matting: RunOperations, command: RunCommand, inputs: Inputs, computed: Computed, images: Images): Promise<Map<keyof Outputs, Buffer>> {
  const { outputs, background } = command;
  const { width, height } = inputs.image;
  const { alpha, foreground } = computed;
  const colours = foreground && { width, height, data: foreground };
  const encoders: { [K in keyof Outputs]-?: () => Promise<Buffer> } = {
    alpha: () => images.encodeAlpha(alpha!, width, height),
    foreground: () => images.encodeColours(foreground!, width, height),
    cutout: async () => images.encodeRgba((await matting.cutout(colours!, alpha!)).data, width, height, false),
    composite: async () => {
      const behind = background!.kind === "colour" ? background!.rgb : inputs.background!;
      return images.encodeRgba((await matting.composite(colours!, alpha!, behind)).data, width, height, true);
    },
    trimapOut: () => images.encodeTrimap(computed.trimap.data as Uint8Array, width, height),
  };
  const keys = (Object.keys(encoders) as (keyof Outputs)[]).filter((key) => outputs[key] !== undefined);
  const encoded = await Promise.all(keys.map((key) => encoders[key]()));
  return new Map(keys.map((key, i) => [key, encoded[i]]));
}

function summary(outputs: Outputs, inputs: Inputs, computed: Computed): string {
  const files = Object.values(outputs).join(", ");
  const { stats } = computed;
  if (stats === undefined) {
    return `${files}: ${inputs.image.width}x${inputs.image.height} trimap, ${computed.trimapStats!.unknown} unknown pixels\n`;
  }
  const seconds = (stats.milliseconds.total / 1000).toFixed(2);
  return `${files}: ${stats.width}x${stats.height} alpha, ${stats.unknownPixels} unknown pixels, ` +
    `${stats.iterations} iterations to residual ${stats.residual.toExponential(1)}, ${seconds} s\n`;
}

export interface RunContext {
  /** Where each output is written: its real path (paths.ts). */
  targets: Outputs;
  /** Aborted by Ctrl-C or SIGTERM: the run stops and writes nothing. */
  signal: AbortSignal;
  /** Writes the outputs all or none; main.ts discards its temporaries when a second signal exits at once. */
  commit: OutputCommit;
  /** What main.ts does, synchronously, before a second signal exits at once; the run adds to it. */
  beforeExitNow: (() => void)[];
}

export async function run(command: RunCommand, { targets, signal, commit, beforeExitNow }: RunContext): Promise<void> {
  const display = progressDisplay(process.stderr.isTTY === true && !command.json && !command.quiet);
  beforeExitNow.push(() => display.stop()); // a bar left drawn would keep the terminal's cursor hidden
  let matting: Matting | undefined;
  try {
    // Loaded here, not at the top: sharp takes longer to load than --help or a usage error take to answer.
    const images = await import("./images.js");
    const { outputs } = command;
    const mattes = Object.keys(outputs).some((key) => key !== "trimapOut");
    const inputs = await readInputs(command, images, mattes);
    if (!command.quiet) for (const warning of inputs.warnings) process.stderr.write(`matting: warning: ${warning}\n`);
    matting = await createMatting({ threads: command.threads });
    const computed = await compute(matting, command, inputs, signal, display.onProgress);
    display.stop();
    signal.throwIfAborted(); // Ctrl-C after the last solver slice still means: write nothing
    const encoded = await encodeOutputs(matting, command, inputs, computed, images);
    const files: OutputFile[] = [...encoded].map(([key, bytes]) => ({ path: outputs[key]!, target: targets[key]!, bytes }));
    await commit.writeAll(files, signal);

    // Closed-form's defaults only when it ran; otherwise the method's own default tolerance (ifm stops at 1e-6, the
    // others at closed-form's 1e-7; combined has none of its own, each of its solves stopping at its own default, so
    // none is reported; sm has no solve).
    const method = command.alphaOptions.method ?? DEFAULT_METHOD;
    const closedForm = method === "cf";
    const spec = (METHODS[method].options as { tolerance?: { default: number | undefined } }).tolerance;
    const tolerance = spec === undefined ? ALPHA_DEFAULTS.tolerance : spec.default;
    const options = { tolerance, ...(closedForm ? ALPHA_DEFAULTS : {}), ...command.alphaOptions };
    const { stats } = computed;
    if (command.json) {
      const { trimap, background } = command;
      const report = {
        image: command.image,
        ...(trimap.kind === "file" ? { trimap: trimap.path } : { mask: trimap.path, band: trimap.band, trimapStats: computed.trimapStats }),
        ...(background === undefined ? {} : { background: background.kind === "colour" ? background.rgb : background.path }),
        outputs: command.outputs,
        ...(stats === undefined ? {} : { options: { ...options, threads: command.threads }, stats }),
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else if (!command.quiet) {
      process.stdout.write(summary(command.outputs, inputs, computed));
    }
    if (stats && !stats.converged && !command.quiet) {
      process.stderr.write(
        `matting: warning: the solver stopped after ${stats.iterations} iterations at residual ` +
        `${stats.residual.toExponential(2)} (tolerance ${options.tolerance ?? "each solve's own"}); the matte is its best estimate\n`,
      );
    }
  } finally {
    display.stop();
    matting?.close();
  }
}
