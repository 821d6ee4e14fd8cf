// `matting batch`: many photos through a pool of workers (batch-run.ts), resumable and shardable. Everything that
// can be wrong with the command (flags, folders, the manifest, option values) is a usage error before any photo is
// read; after that a photo that fails is reported and the batch goes on.
import { constants } from "node:os";
import { type MattePool, MattingError, createMattePool } from "../entry/node.js";
import { UsageError, flagForOption } from "./args.js";
import { type BatchCommand, batchHelpText, parseBatchCommandLine } from "./batch-args.js";
import { listTasks, makeOutputFolders } from "./batch-inputs.js";
import { BatchReport } from "./batch-report.js";
import { runTasks } from "./batch-run.js";
import { OutputCommit } from "./commit.js";
import { systemReason } from "./reasons.js";

const EXIT = { ok: 0, failed: 1, usage: 2, someFailed: 3 } as const;

const STOPS = { SIGINT: "interrupted", SIGTERM: "terminated" } as const;
type Stop = keyof typeof STOPS;

function fail(message: string): void {
  process.stderr.write(`matting batch: ${message.replace(/\s*\n\s*/g, "; ")}\n`);
}

/**
 * The alpha options checked by the library itself, on a blank 128x128 photo whose trimap has no unknown pixel
 * (so nothing is solved): an out-of-range value is then a usage error before any photo is read, with the same
 * rule as the single command's.
 */
async function checkAlphaOptions(pool: MattePool, command: BatchCommand): Promise<void> {
  const side = 128;
  const trimap = new Uint8Array(side * side).fill(255, 0, (side * side) / 2);
  try {
    await pool.estimateAlpha({ width: side, height: side, data: new Uint8Array(side * side * 3) }, { width: side, height: side, data: trimap }, command.alphaOptions);
  } catch (error) {
    if (!(error instanceof MattingError) || error.code !== "INVALID_OPTION") return;
    const option = (error.details as { option?: string }).option;
    throw new UsageError(`${flagForOption(option) ?? `--${String(option)}`}: ${error.message.replace(/^option \w+ /, "")}`);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let command: BatchCommand;
  let tasks;
  try {
    const parsed = parseBatchCommandLine(argv);
    if (parsed.kind === "help") {
      process.stdout.write(batchHelpText());
      return EXIT.ok;
    }
    command = parsed;
    tasks = await listTasks(command);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(`${error.message} (see matting batch --help)`);
    return EXIT.usage;
  }
  const controller = new AbortController();
  const commits = new Set<OutputCommit>();
  let report: BatchReport | undefined;
  let stoppedBy: Stop | undefined;
  // The first Ctrl-C or SIGTERM stops starting photos and aborts those in hand (their solves stop at the next
  // slice, their outputs are not written); a second one leaves at once, removing every temporary file.
  const onStop = (signal: Stop) => {
    if (stoppedBy !== undefined) {
      for (const commit of commits) commit.discard();
      report?.stop();
      fail(STOPS[stoppedBy]);
      process.exit(128 + constants.signals[stoppedBy]);
    }
    stoppedBy = signal;
    controller.abort();
  };
  for (const signal of Object.keys(STOPS) as Stop[]) process.on(signal, onStop);
  let pool: MattePool | undefined;
  try {
    // Loaded here, not at the top: sharp takes longer to load than --help or a usage error take to answer.
    const images = await import("./images.js");
    pool = await createMattePool({ jobs: command.jobs, threads: command.threads });
    await checkAlphaOptions(pool, command);
    try {
      await makeOutputFolders(tasks, command.folders);
    } catch (cause) {
      throw new MattingError("WRITE_FAILED", `cannot make an output folder: ${systemReason(cause)}`, {}, { cause });
    }
    report = new BatchReport(tasks.length, { json: command.json, quiet: command.quiet, tty: process.stderr.isTTY === true });
    await runTasks(tasks, {
      command, pool, images, signal: controller.signal, report,
      newCommit: () => {
        const commit = new OutputCommit();
        commits.add(commit);
        return commit;
      },
      endCommit: (commit) => commits.delete(commit),
    });
    const shard = `${command.shard.index}/${command.shard.count}`;
    report.summary({ jobs: command.jobs, shard, ...(stoppedBy ? { stoppedBy: STOPS[stoppedBy] } : {}) });
    if (stoppedBy) {
      fail(STOPS[stoppedBy]);
      return 128 + constants.signals[stoppedBy];
    }
    return report.counts.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } catch (error) {
    report?.stop();
    if (error instanceof UsageError) {
      fail(`${error.message} (see matting batch --help)`);
      return EXIT.usage;
    }
    if (stoppedBy) {
      fail(STOPS[stoppedBy]);
      return 128 + constants.signals[stoppedBy];
    }
    const code = error instanceof MattingError ? ` (${error.code})` : "";
    fail(`${error instanceof Error ? error.message : String(error)}${code}`);
    return EXIT.failed;
  } finally {
    await pool?.close();
    for (const signal of Object.keys(STOPS) as Stop[]) process.off(signal, onStop);
  }
}
