// The inner loop of MinHash, with one code path per instruction set.
//
// Swift cannot compile one function for several instruction sets and pick one at run time, so
// this C target holds the loop three times: portable C, AVX2 and AVX-512. All three compute the
// same 64-bit integer arithmetic, so they return identical minima; openledger picks the fastest
// that the CPU and the operating system support.

#ifndef OPENLEDGER_MINHASH_KERNEL_H
#define OPENLEDGER_MINHASH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

// The tokenizer's fast path (WordHashes.h, and ASCIIWords.h, which it uses), included here too
// so that a build that cached this module before those headers existed sees them.
#include "ASCIIWords.h"
#include "WordHashes.h"

/// A code path of `ol_minhash_update`.
typedef enum OLMinHashPath {
  /// Plain C, for every CPU.
  OLMinHashPathPortable = 0,
  /// x86-64 with AVX2: eight 32-bit results a vector, built from 32-bit multiplies.
  OLMinHashPathAVX2 = 1,
  /// x86-64 with AVX-512 F and DQ: eight 64-bit lanes with a native 64-bit multiply.
  OLMinHashPathAVX512 = 2,
} OLMinHashPath;

/// The fastest path this CPU and operating system support.
OLMinHashPath ol_minhash_best_path(void);

/// Whether this CPU and operating system support `path`.
int ol_minhash_path_supported(OLMinHashPath path);

/// For each j < count: minima[j] = min(minima[j], (multipliers[j] * x + increments[j]) >> 32)
/// over every x in shingles[0 ..< shingleCount], with wrapping 64-bit unsigned arithmetic.
///
/// `count` must be a multiple of 8. A `path` this CPU lacks runs as the portable one.
void ol_minhash_update(
    OLMinHashPath path, const uint64_t *shingles, size_t shingleCount,
    const uint64_t *multipliers, const uint64_t *increments, uint32_t *minima, size_t count);

#endif
