// Records of i32 fields that the engine lays out in linear memory (the solver's system descriptor, the
// multigrid hierarchy and its levels, the threads' jobs): field k at byte 4k.

@inline
export function field(record: usize, index: i32): i32 {
  return load<i32>(record + (<usize>index << 2));
}

/** A field holding an offset: read unsigned, since offsets above 2 GiB do not fit an i32. */
@inline
export function pointerField(record: usize, index: i32): usize {
  return <usize>load<u32>(record + (<usize>index << 2));
}
