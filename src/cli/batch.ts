// `matting batch`: many photos through a pool of workers (batch-run.ts), resumable and shardable. Everything that
// can be wrong with the command (flags, folders, the manifest, option values) is a usage error before any photo is
// read; after that a photo that fails is reported and the batch goes on.
import { type MattePool, MattingError, createMattePool } from "../entry/node.js";
import { UsageError, flagForOption } from "./args.js";
import { type BatchCommand, batchHelpText, parseBatchCommandLine } from "./batch-args.js";
import { listTasks, makeOutputFolders } from "./batch-inputs.js";
import { BatchReport } from "./batch-report.js";
import { runTasks } from "./batch-run.js";
import { OutputCommit } from "./commit.js";
import { systemReason } from "./reasons.js";
import { STOPS, stopStatus, watchStops } from "./stops.js";

const EXIT = { ok: 0, failed: 1, usage: 2, someFailed: 3 } as const;


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
  const commits = new Set<OutputCommit>();
  let report: BatchReport | undefined;
  // The first Ctrl-C or SIGTERM stops starting photos and aborts those in hand (their solves stop at the next
  // slice, their outputs are not written); a second one leaves at once, removing every temporary file.
  const stops = watchStops([() => {
    for (const commit of commits) commit.discard();
  }, () => report?.stop()], fail);
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
      command, pool, images, signal: stops.signal, report,
      newCommit: () => {
        const commit = new OutputCommit();
        commits.add(commit);
        return commit;
      },
      endCommit: (commit) => commits.delete(commit),
    });
    const shard = `${command.shard.index}/${command.shard.count}`;
    report.summary({ jobs: command.jobs, shard, ...(stops.stoppedBy ? { stoppedBy: STOPS[stops.stoppedBy] } : {}) });
    if (stops.stoppedBy) {
      fail(STOPS[stops.stoppedBy]);
      return stopStatus(stops.stoppedBy);
    }
    return report.counts.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } catch (error) {
    report?.stop();
    if (error instanceof UsageError) {
      fail(`${error.message} (see matting batch --help)`);
      return EXIT.usage;
    }
    if (stops.stoppedBy) {
      fail(STOPS[stops.stoppedBy]);
      return stopStatus(stops.stoppedBy);
    }
    const code = error instanceof MattingError ? ` (${error.code})` : "";
    fail(`${error instanceof Error ? error.message : String(error)}${code}`);
    return EXIT.failed;
  } finally {
    await pool?.close();
    stops.release();
  }
}
