// npm run bench:cold: what a one-shot command-line call pays against the same work in a warm process (issue 12).
// Alternating rounds: the real CLI in a new process (`node dist/cli/main.js IMAGE TRIMAP --alpha OUT`, wall time from
// spawn to exit), then bench/cold-pipeline.mjs in a new process, which does the CLI's work phase by phase once cold
// and then again warm in the same process. Prints medians over the rounds: Node's start, loading our modules, loading
// sharp, and decode / engine / matte / encode cold against warm; checks that every run gave the same alpha file as
// the CLI and the same iterations.
//
//   npx tsx bench/cold.ts [--rounds 9] [--repeat 4] [--image examples/lemur.png --trimap examples/lemur_trimap.png]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Table, fixed, loadAverage, machineHeader, median, parsePositive, repoRoot } from "./common.js";

const { values: args } = parseArgs({
  options: { rounds: { type: "string" }, repeat: { type: "string" }, image: { type: "string" }, trimap: { type: "string" } },
});
const rounds = parsePositive(args.rounds, "rounds", 9, true);
const repeat = parsePositive(args.repeat, "repeat", 4, true);
if (repeat < 2) throw new Error("--repeat must be at least 2: the first run is the cold one");
const image = path.resolve(args.image ?? path.join(repoRoot, "examples/lemur.png"));
const trimap = path.resolve(args.trimap ?? path.join(repoRoot, "examples/lemur_trimap.png"));
const scratch = mkdtempSync(path.join(os.tmpdir(), "matting-cold-"));
const cliOut = path.join(scratch, "cli.png");
const pipelineOut = path.join(scratch, "pipeline.png");

interface PipelineRun { decode: number; engine: number; matte: number; encode: number; iterations: number; residual: number; checksum: number }
interface Pipeline { boot: number; modules: number; sharp: number; runs: PipelineRun[] }

function node(script: string, scriptArgs: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const child = spawnSync(process.execPath, [script, ...scriptArgs], { cwd: repoRoot, encoding: "utf8" });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`${script} exited with ${child.status}: ${child.stderr}`);
  return { ms, stdout: child.stdout };
}

console.log(machineHeader());
console.log(`# load average ${loadAverage()} (1, 5, 15 min) at the start; ${path.relative(repoRoot, image)} with ${path.relative(repoRoot, trimap)}`);
console.log(`# ${rounds} rounds, alternating: the CLI in a new process, then the pipeline once cold and ${repeat - 1} times warm in another`);

const cliArgs = [image, trimap, "--alpha", cliOut, "--json"];
node("dist/cli/main.js", cliArgs); // untimed: the files and node's binary in the page cache
const cliMs: number[] = [];
const nodeStartMs: number[] = [];
const pipelines: Pipeline[] = [];
let cliIterations = 0;
for (let round = 0; round < rounds; round++) {
  nodeStartMs.push(node("-e", ["0"]).ms);
  const cli = node("dist/cli/main.js", cliArgs);
  cliMs.push(cli.ms);
  cliIterations = (JSON.parse(cli.stdout) as { stats: { iterations: number } }).stats.iterations;
  pipelines.push(JSON.parse(node("bench/cold-pipeline.mjs", [image, trimap, pipelineOut, "--repeat", String(repeat)]).stdout) as Pipeline);
  if (!readFileSync(cliOut).equals(readFileSync(pipelineOut))) throw new Error(`round ${round}: the pipeline's alpha file differs from the CLI's`);
}
rmSync(scratch, { recursive: true, force: true });

const runs = pipelines.flatMap((p) => p.runs);
const checksums = new Set(runs.map((r) => r.checksum));
const iterations = new Set([cliIterations, ...runs.map((r) => r.iterations)]);
if (checksums.size !== 1 || iterations.size !== 1) throw new Error(`runs disagree: ${checksums.size} alphas, iterations ${[...iterations].join(", ")}`);

const cold = (key: keyof Omit<PipelineRun, "iterations" | "residual" | "checksum">) => median(pipelines.map((p) => p.runs[0][key]));
const warm = (key: keyof Omit<PipelineRun, "iterations" | "residual" | "checksum">) =>
  median(pipelines.flatMap((p) => p.runs.slice(1).map((r) => r[key])));
const table = new Table([
  { title: "phase (median ms)", width: 34, align: "left" },
  { title: "cold", width: 8 },
  { title: "warm", width: 8 },
  { title: "cold - warm", width: 11 },
]);
table.header();
const once = (label: string, ms: number) => table.row([label, fixed(ms, 1), "0.0", fixed(ms, 1)]);
once("node's own start (node -e 0, whole)", median(nodeStartMs));
once("node's bootstrap in the pipeline", median(pipelines.map((p) => p.boot)));
once("loading our modules", median(pipelines.map((p) => p.modules)));
once("loading sharp (libvips)", median(pipelines.map((p) => p.sharp)));
let coldSum = 0;
let warmSum = 0;
for (const key of ["decode", "engine", "matte", "encode"] as const) {
  coldSum += cold(key);
  warmSum += warm(key);
  table.row([key === "engine" ? "engine (compile, instantiate)" : key, fixed(cold(key), 1), fixed(warm(key), 1), fixed(cold(key) - warm(key), 1)]);
}
table.row(["decode + engine + matte + encode", fixed(coldSum, 1), fixed(warmSum, 1), fixed(coldSum - warmSum, 1)]);
console.log(`\nthe CLI, new process, start to exit: ${fixed(median(cliMs), 0)} ms median (${cliMs.map((ms) => ms.toFixed(0)).join(", ")})`);
console.log(`the same work warm in a running process: ${fixed(warmSum, 0)} ms; the one-shot call pays ${fixed(median(cliMs) / warmSum, 2)}x`);
console.log(`accuracy: every run the same alpha file as the CLI's, ${cliIterations} iterations, residual ${runs[0].residual.toExponential(2)}`);
console.log(`# load average ${loadAverage()} at the end`);
