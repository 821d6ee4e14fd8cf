// Builders for the option tables of src/methods/*: each gives a default and a check that throws
// INVALID_OPTION naming the option and the rule it broke.
import { MattingError } from "../errors.js";
import { numberOption } from "../validate.js";
import type { OptionSpec } from "./types.js";

/** A number with a rule (`ok`, described by `rule` in the error). */
export function numberSpec(fallback: number, ok: (v: number) => boolean, rule: string): OptionSpec<number> {
  return { default: fallback, check: (value, key) => numberOption({ [key]: value }, key, fallback, ok, rule) };
}

/** One of a few strings. */
export function choiceSpec<T extends string>(fallback: T, choices: readonly T[]): OptionSpec<T> {
  return {
    default: fallback,
    check(value, key) {
      if (!choices.includes(value as T)) {
        const list = choices.map((c) => `"${c}"`).join(", ");
        throw new MattingError("INVALID_OPTION", `option ${key} must be one of ${list}, got ${String(value)}`, { option: key, value });
      }
      return value as T;
    },
  };
}

/** A non-empty array of numbers, each checked by `ok` (described by `rule`), at most `maxLength` long. */
export function numberListSpec(fallback: readonly number[], ok: (v: number) => boolean, rule: string, maxLength: number): OptionSpec<number[]> {
  return {
    default: [...fallback],
    check(value, key) {
      const fine = Array.isArray(value) && value.length >= 1 && value.length <= maxLength && value.every((v) => typeof v === "number" && ok(v));
      if (!fine) {
        const got = Array.isArray(value) ? `[${value.map(String).join(", ")}]` : String(value);
        throw new MattingError("INVALID_OPTION", `option ${key} must be an array of 1 to ${maxLength} ${rule}, got ${got}`, { option: key, value });
      }
      return [...(value as number[])];
    },
  };
}

/** The tolerance option: a relative residual in (0, 1), with the method's default. */
export const toleranceSpec = (fallback: number) => numberSpec(fallback, (v) => Number.isFinite(v) && v > 0 && v < 1, "a number in (0, 1)");

/** The conjugate-gradient options every method with an SPD solve takes (same defaults as closed-form). */
export const SOLVER_OPTIONS = {
  tolerance: toleranceSpec(1e-7),
  maxIterations: numberSpec(20000, (v) => Number.isInteger(v) && v >= 1, "a positive integer"),
};

/** An option that may be left out (default undefined), checked by `spec` when given. */
export function optionalSpec<T>(spec: OptionSpec<T>): OptionSpec<T | undefined> {
  return { default: undefined, check: (value, key) => spec.check(value, key) };
}

/**
 * Information flow's default tolerance (ifm, and combined's ifm solve): 1e-6, the relative residual at which the
 * authors' toolbox stops (MATLAB's pcg default, on its system over every pixel, whose right-hand side also holds the
 * known pixels' terms, so looser still on the unknowns than this is on ours). Over the 54 low-res cases it gives the
 * same mean SAD to four decimals as 1e-7 with 17 % fewer iterations (README, Accuracy).
 */
export const IFM_TOLERANCE = 1e-6;
