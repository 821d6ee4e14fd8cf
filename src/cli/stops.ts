// Ctrl-C and SIGTERM, the same for every command: the first aborts the run, which unwinds (between solver slices,
// or between output files) and reports the stop; a second one leaves at once, after the command's clean-ups
// (removing the progress bar and the temporary files of outputs being written).
import { constants } from "node:os";

export const STOPS = { SIGINT: "interrupted", SIGTERM: "terminated" } as const;
export type Stop = keyof typeof STOPS;

/** The exit status for a stop by `signal`: 128 + its number, as shells report it. */
export const stopStatus = (signal: Stop) => 128 + constants.signals[signal];

export interface StopWatch {
  /** Aborted by the first stop signal. */
  signal: AbortSignal;
  /** The signal that stopped the run, once one has. */
  readonly stoppedBy: Stop | undefined;
  /** Stops listening (call once the run is over). */
  release(): void;
}

/**
 * Listens for the stop signals until release(). `cleanUps` is read when a second signal comes, so a command may
 * add to it as it goes; `fail` prints the stop's message.
 */
export function watchStops(cleanUps: readonly (() => void)[], fail: (message: string) => void): StopWatch {
  const controller = new AbortController();
  let stoppedBy: Stop | undefined;
  const onStop = (signal: Stop) => {
    if (stoppedBy !== undefined) {
      for (const cleanUp of cleanUps) cleanUp();
      fail(STOPS[stoppedBy]);
      process.exit(stopStatus(stoppedBy));
    }
    stoppedBy = signal;
    controller.abort();
  };
  const signals = Object.keys(STOPS) as Stop[];
  for (const signal of signals) process.on(signal, onStop);
  return {
    signal: controller.signal,
    get stoppedBy() {
      return stoppedBy;
    },
    release: () => {
      for (const signal of signals) process.off(signal, onStop);
    },
  };
}
