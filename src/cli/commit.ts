// All outputs or none: each is written in full to a temporary file beside its target and flushed to disk, and
// only when every one is there are they renamed over their targets, in one synchronous loop. A full disk, a
// write error or a signal before that loop leaves every old file as it was and removes the temporaries.
import { renameSync, unlinkSync } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { MattingError } from "../entry/node.js";
import { systemReason } from "./images.js";

export interface OutputFile {
  /** The path as the user gave it, for messages. */
  path: string;
  /** Where it is written: the real path, through symbolic links. */
  target: string;
  bytes: Uint8Array;
}

/**
 * Test-only hook: milliseconds to wait after each temporary file is written, so tests can send a signal
 * while outputs are being written. Not a user setting; unset in normal use.
 */
const PAUSE_ENV = "MATTING_TEST_WRITE_PAUSE_MS";

function pause(signal: AbortSignal): Promise<void> {
  const ms = Number(process.env[PAUSE_ENV] ?? 0);
  if (!(ms > 0) || signal.aborted) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      done();
    }, { once: true });
  });
}

function writeFailed(file: OutputFile, cause: unknown): MattingError {
  return new MattingError("WRITE_FAILED", `cannot write: ${systemReason(cause)}`, { file: file.path }, { cause });
}

export class OutputCommit {
  /** Temporary files written and not yet renamed or removed. */
  private readonly temporaries = new Set<string>();

  /**
   * Writes every file, or none: throws WRITE_FAILED (naming the file) or the signal's abort reason, having
   * removed every temporary and touched no target.
   */
  async writeAll(files: readonly OutputFile[], signal: AbortSignal): Promise<void> {
    try {
      const staged: [temporary: string, file: OutputFile][] = [];
      for (const file of files) {
        signal.throwIfAborted();
        staged.push([await this.stage(file), file]);
        await pause(signal);
      }
      signal.throwIfAborted();
      // Synchronous: no signal handler can run between two renames, so a signal sees all old or all new files.
      for (const [temporary, file] of staged) {
        try {
          renameSync(temporary, file.target);
        } catch (cause) {
          throw writeFailed(file, cause);
        }
        this.temporaries.delete(temporary);
      }
    } finally {
      this.discard();
    }
  }

  /** Removes every temporary file now; also for a signal handler that exits at once. */
  discard(): void {
    for (const temporary of this.temporaries) {
      try {
        unlinkSync(temporary);
      } catch {
        // Already gone: nothing to clean.
      }
    }
    this.temporaries.clear();
  }

  /** Writes `file` in full to a new temporary beside its target, with the target's permissions, and flushes it. */
  private async stage(file: OutputFile): Promise<string> {
    const temporary = join(dirname(file.target), `.${basename(file.target).slice(0, 200)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
    const mode = await stat(file.target).then((stats) => stats.mode & 0o7777, () => 0o666);
    let handle: FileHandle | undefined;
    try {
      // "wx": a new file, never one that happens to have this name already.
      handle = await open(temporary, "wx", mode);
      this.temporaries.add(temporary);
      await handle.writeFile(file.bytes);
      await handle.sync();
    } catch (cause) {
      throw writeFailed(file, cause);
    } finally {
      await handle?.close();
    }
    return temporary;
  }
}
