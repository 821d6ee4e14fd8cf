// What the two PCGs (assembly/solve.ts for closed-form, assembly/methods/ifm-pcg.ts for ifm) share over the team's
// rows: the state a solve starts from, and the relative residual of its answer once the product A x is in r (one
// thread's check after a threaded solve).
import { barrier, contribute, reduce, threadIndex, total } from "./team";
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

/**
 * The start state once r = b - A x and z = M^-1 r are on every thread's rows [lo, hi): state[0] = r.z, state[1] = |b|,
 * state[2] = |r|, and with `flagIndefinite` state[3] = 1 when r.z <= 0 although r != 0 (M not positive definite),
 * else 0. Returns |r| / |b| (|r| when b = 0) once the state is written.
 */
export function writeStartState(b: usize, r: usize, z: usize, lo: i32, hi: i32, state: usize, flagIndefinite: bool, context: usize): f64 {
  const offset = <usize>lo << 3, count = hi - lo;
  contribute(context, 0, dot(b + offset, b + offset, count));
  contribute(context, 1, dot(r + offset, r + offset, count));
  contribute(context, 2, dot(r + offset, z + offset, count));
  reduce(context, 3);
  const bNorm = Math.sqrt(total(context, 0)), rNorm = Math.sqrt(total(context, 1)), rz = total(context, 2);
  if (threadIndex(context) == 0) {
    store<f64>(state, rz);
    store<f64>(state, bNorm, 8);
    store<f64>(state, rNorm, 16);
    if (flagIndefinite) store<f64>(state, rNorm > 0 && !(rz > 0) ? 1.0 : 0.0, 24);
  }
  barrier(context); // the state is written before any thread returns
  return bNorm > 0 ? rNorm / bNorm : rNorm;
}
