// One application of the aggregation multigrid preconditioner (layout in assembly/aggregation.ts):
// z = M^-1 r by a cycle that smooths the fine stencil system, corrects it from the block levels,
// and smooths again in reverse. Block levels work in f32: the preconditioner only has to be a fixed
// symmetric operator, not an accurate one; the outer CG keeps f64.

import { HEADER_BYTES, LEVEL_BYTES } from "./aggregation";
import { gaussSeidelFromZero, gaussSeidelBackward, blockGaussSeidel, blockResidual } from "./smooth";

const DOFS = 4;
const BLOCK = 16;
const COARSEST_SWEEPS = 20;
// Recursive visits of each coarser level (2: W-cycle; measured against V-cycles on the alphamatting set).
const VISITS = 2;

@inline
function count(record: usize, index: i32): i32 {
  return load<i32>(record + (<usize>index << 2));
}

@inline
function pointer(record: usize, index: i32): usize {
  return <usize>load<u32>(record + (<usize>index << 2));
}

@inline
function levelRecord(hierarchy: usize, level: i32): usize {
  return hierarchy + <usize>HEADER_BYTES + <usize>(level * LEVEL_BYTES);
}

/** Scale of every coarse correction (header field 11, f32); see aggregation.ts. */
@inline
function overCorrection(hierarchy: usize): f32 {
  return load<f32>(hierarchy + 44);
}

/** Solves approximately on block level l: x_l from b_l. scratch: 32 bytes. */
function blockCycle(hierarchy: usize, levels: i32, l: i32, scratch: usize): void {
  const over = overCorrection(hierarchy);
  const record = levelRecord(hierarchy, l);
  const nodes = count(record, 0), neighbours = pointer(record, 1), blocks = pointer(record, 2);
  const x = pointer(record, 3), b = pointer(record, 4), r = pointer(record, 5), inverses = pointer(record, 9);
  memory.fill(x, 0, <usize>((nodes + 1) * DOFS) << 2);
  if (l == levels - 1) {
    for (let k = 0; k < COARSEST_SWEEPS; k++) {
      blockGaussSeidel(nodes, neighbours, blocks, inverses, b, x, false, scratch);
      blockGaussSeidel(nodes, neighbours, blocks, inverses, b, x, true, scratch);
    }
    return;
  }
  blockGaussSeidel(nodes, neighbours, blocks, inverses, b, x, false, scratch);
  const coarse = levelRecord(hierarchy, l + 1);
  const parentNodes = count(coarse, 0), xc = pointer(coarse, 3), bc = pointer(coarse, 4);
  const parent = pointer(record, 6), prolongator = pointer(record, 7);
  for (let visit = 0; visit < VISITS; visit++) {
    blockResidual(nodes, neighbours, blocks, b, x, r);
    // bc = T^T r
    memory.fill(bc, 0, <usize>((parentNodes + 1) * DOFS) << 2);
    for (let n = 0; n < nodes; n++) {
      const t = prolongator + (<usize>(n * BLOCK) << 2);
      const target = bc + (<usize>(load<i32>(parent + (<usize>n << 2)) * DOFS) << 2);
      for (let i = 0; i < DOFS; i++) {
        const ri = load<f32>(r + (<usize>(n * DOFS + i) << 2));
        for (let k = 0; k < DOFS; k++) {
          const at = target + (<usize>k << 2);
          store<f32>(at, load<f32>(at) + load<f32>(t + (<usize>(i * DOFS + k) << 2)) * ri);
        }
      }
    }
    blockCycle(hierarchy, levels, l + 1, scratch);
    // x += over T xc
    for (let n = 0; n < nodes; n++) {
      const t = prolongator + (<usize>(n * BLOCK) << 2);
      const source = xc + (<usize>(load<i32>(parent + (<usize>n << 2)) * DOFS) << 2);
      for (let i = 0; i < DOFS; i++) {
        let sum: f32 = 0;
        for (let k = 0; k < DOFS; k++) sum += load<f32>(t + (<usize>(i * DOFS + k) << 2)) * load<f32>(source + (<usize>k << 2));
        const at = x + (<usize>(n * DOFS + i) << 2);
        store<f32>(at, load<f32>(at) + over * sum);
      }
    }
  }
  blockGaussSeidel(nodes, neighbours, blocks, inverses, b, x, true, scratch);
}

/** z = M^-1 r (vectors of rows + 1 f64, the last kept 0). */
export function aggregationApply(hierarchy: usize, r: usize, z: usize): void {
  const levels = count(hierarchy, 0), rows = count(hierarchy, 1), half = count(hierarchy, 2);
  const columns = pointer(hierarchy, 3), values = pointer(hierarchy, 4), diagonal = pointer(hierarchy, 5);
  const sums = pointer(hierarchy, 6), residual = pointer(hierarchy, 7), rowNode = pointer(hierarchy, 8), rowBasis = pointer(hierarchy, 9);
  const scratch = pointer(hierarchy, 10);
  gaussSeidelFromZero(rows, half, columns, values, diagonal, r, z, sums, residual);
  const first = levelRecord(hierarchy, 0);
  const nodes = count(first, 0), x1 = pointer(first, 3), b1 = pointer(first, 4);
  memory.fill(b1, 0, <usize>((nodes + 1) * DOFS) << 2);
  for (let u = 0; u < rows; u++) {
    const ru = <f32>load<f64>(residual + (<usize>u << 3));
    const target = b1 + (<usize>(load<i32>(rowNode + (<usize>u << 2)) * DOFS) << 2);
    const t = rowBasis + (<usize>(u * DOFS) << 2);
    if (ASC_FEATURE_SIMD) {
      v128.store(target, f32x4.add(v128.load(target), f32x4.mul(v128.load(t), f32x4.splat(ru))));
    } else {
      for (let k = 0; k < DOFS; k++) {
        const at = target + (<usize>k << 2);
        store<f32>(at, load<f32>(at) + load<f32>(t + (<usize>k << 2)) * ru);
      }
    }
  }
  blockCycle(hierarchy, levels, 0, scratch);
  for (let u = 0; u < rows; u++) {
    const source = x1 + (<usize>(load<i32>(rowNode + (<usize>u << 2)) * DOFS) << 2);
    const t = rowBasis + (<usize>(u * DOFS) << 2);
    let sum: f32 = 0;
    for (let k = 0; k < DOFS; k++) sum += load<f32>(t + (<usize>k << 2)) * load<f32>(source + (<usize>k << 2));
    const at = z + (<usize>u << 3);
    store<f64>(at, load<f64>(at) + <f64>(overCorrection(hierarchy) * sum));
  }
  gaussSeidelBackward(rows, half, columns, values, diagonal, r, z, sums);
  store<f64>(z + (<usize>rows << 3), 0);
}
