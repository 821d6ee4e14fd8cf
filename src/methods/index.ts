// The registry of alpha methods: the value of the `method` option -> the method. A new method is one file
// beside this one and one line in METHODS (and its options' type in MethodOptions). Its hot loops live in
// assembly/methods/<name>.ts, exported by one `export ... from "./methods/<name>"` line in assembly/index.ts,
// and typed in src/methods/<name>.ts by an interface extending the engine's Kernels (engine.kernels cast to it),
// so that adding a method does not touch src/engine.ts.
import { closedForm } from "./cf.js";
import { combined } from "./combined.js";
import { informationFlow } from "./ifm.js";
import { learningBased } from "./lbdm.js";
import { largeKernel } from "./lkm.js";
import { type RandomWalkOptions, randomWalk } from "./rw.js";
import { type SharedMattingOptions, sharedMatting } from "./sm.js";
import { type KnnOptions, knn } from "./knn.js";
import type { AlphaMethod } from "./types.js";

// Each method has an option table of its own, hence AlphaMethod<any>.
export const METHODS = {
  cf: closedForm,
  knn,
  lkm: largeKernel,
  rw: randomWalk,
  lbdm: learningBased,
  sm: sharedMatting,
  ifm: informationFlow,
  combined,
} satisfies Record<string, AlphaMethod<any>>;

export type MethodName = keyof typeof METHODS;

export const DEFAULT_METHOD: MethodName = "cf";

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** The method-specific options of every method but closed-form (whose options src/types.ts has always held). */
export type MethodOptions = KnnOptions & RandomWalkOptions & SharedMattingOptions;
