// Compressed sparse rows: rowStart (i32, rows + 1), columns (i32), values (f64).

/** y = A x */
export function csrMultiply(rows: i32, rowStart: usize, columns: usize, values: usize, x: usize, y: usize): void {
  let start = load<i32>(rowStart);
  for (let row = 0; row < rows; row++) {
    const end = load<i32>(rowStart + (<usize>(row + 1) << 2));
    let sum = 0.0;
    for (let e = start; e < end; e++) {
      const column = load<i32>(columns + (<usize>e << 2));
      sum += load<f64>(values + (<usize>e << 3)) * load<f64>(x + (<usize>column << 3));
    }
    store<f64>(y + (<usize>row << 3), sum);
    start = end;
  }
}
