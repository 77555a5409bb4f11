// Finding and hashing ASCII words, for MinHash's tokenizer fast path.
//
// Most of a signature's time outside the kernel went to finding words and hashing them one at a
// time: each word's end is a branch the CPU cannot predict, and Swift kept the word's hash in
// flight across it. Here a run of 64-byte blocks is read in two passes instead: the first
// stores where every word starts and ends, the second hashes the words from those lists, where
// the only branch on the text is the rare word of more than 16 bytes.

#ifndef OPENLEDGER_WORD_HASHES_H
#define OPENLEDGER_WORD_HASHES_H

#include <stddef.h>
#include <stdint.h>

/// A seeded `StableHash`: its seed already mixed with the constants, and the constants.
typedef struct OLStableHashKey {
  uint64_t state, k0, k1, k2, k3;
} OLStableHashKey;

/// Where a scan of 64-byte blocks stands, between calls.
typedef struct OLASCIIWordScan {
  /// The start of the next block.
  size_t position;
  /// Where the word still open at `position` starts, when `wordIsOpen`; otherwise where the
  /// last word ended (or where the scan began): only whitespace and ASCII punctuation lie
  /// between there and `position`.
  size_t resume;
  /// Whether a word runs on into the next block.
  int wordIsOpen;
} OLASCIIWordScan;

/// Why `ol_ascii_word_hashes` returned.
typedef enum OLASCIIWordStop {
  /// Fewer than 64 bytes are left after `position`.
  OLASCIIWordStopEnd = 0,
  /// The room for hashes is used up, or the call's share of blocks is done: call again.
  OLASCIIWordStopFull = 1,
  /// The block at `position` holds a byte that is not ASCII.
  OLASCIIWordStopNonASCII = 2,
} OLASCIIWordStop;

/// The most words a call writes per block: `capacity` should leave room for this many.
#define OL_ASCII_WORDS_PER_BLOCK 32

/// Reads the 64-byte blocks of `text` from `scan->position` on, while each is all ASCII, and
/// writes to `hashes` the hash under `key` of each run of ASCII letters and digits that ends
/// in them, with bit 5 set in every byte (which lowers a letter), as
/// `StableHash.hash(settingBit5Of:)` gives it. A word still open at the last block is left for
/// the next call. Reads at most `capacity / 32` blocks, and at most 16; sets `*written` and
/// updates `scan`.
///
/// On x86-64 with SSSE3, POPCNT and BMI1 the words are found with those bit instructions and
/// hashed with a byte shuffle; `portable` (nonzero) makes the call use plain C instead, as on
/// other CPUs, so that tests can compare the two.
OLASCIIWordStop ol_ascii_word_hashes(
    const uint8_t *text, size_t count, OLASCIIWordScan *scan, const OLStableHashKey *key,
    uint64_t *hashes, size_t capacity, size_t *written, int portable);

#endif
