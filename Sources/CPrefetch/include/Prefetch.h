// A hint to the CPU to start loading memory that will be read soon.
//
// Swift has no prefetch of its own. Sorting suffixes and interning tokens read memory at
// addresses known some steps ahead but scattered over hundreds of megabytes, so waiting for
// each cache miss in turn dominates their time; announcing the address a few steps early lets
// the misses overlap. Static inline, so Swift inlines it into its loops.

#ifndef OPENLEDGER_PREFETCH_H
#define OPENLEDGER_PREFETCH_H

/// Starts loading the cache line holding `address` for reading; never faults.
static inline __attribute__((always_inline)) void ol_prefetch(const void *address) {
  __builtin_prefetch(address, 0, 3);
}

/// Starts loading the cache line holding `address` for writing; never faults.
static inline __attribute__((always_inline)) void ol_prefetch_write(const void *address) {
  __builtin_prefetch(address, 1, 3);
}

#endif
