// The relative residual of a solve's answer, over the team's rows, once the product A x is in r: one thread's
// check after a threaded solve (assembly/solve.ts for closed-form, assembly/methods/ifm-pcg.ts for ifm).
import { contribute, reduce, total } from "./team";
import { dot, xpay } from "./vector";

/** r = b - r on this thread's rows [lo, hi) (r holding A x), then |r| / |b| over all rows (|r| when b = 0). */
export function residualAfterProduct(b: usize, r: usize, lo: i32, hi: i32, context: usize): f64 {
  const offset = <usize>lo << 3, count = hi - lo;
  xpay(b + offset, -1.0, r + offset, count);
  contribute(context, 0, dot(b + offset, b + offset, count));
  contribute(context, 1, dot(r + offset, r + offset, count));
  reduce(context, 2);
  const bNorm = Math.sqrt(total(context, 0)), rNorm = Math.sqrt(total(context, 1));
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}
