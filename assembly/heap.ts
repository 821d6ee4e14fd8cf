// The engine lays its buffers out in linear memory itself (one arena per call, reset afterwards),
// so the kernels never allocate. This tells it where static data ends.
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
