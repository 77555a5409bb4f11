#include "WordHashes.h"

#include <string.h>

#include "ASCIIWords.h"

// The hash is StableHash's (StableHash.swift documents it); these functions must return exactly
// what it returns, and WordHashTests compares the two on every length and block position.

/// The most blocks one call reads, and the room its lists of word starts and ends need: a
/// word open from the call before, 32 words a block, and 8 for the stores of eight at a time.
enum { maxBlocks = 16, listRoom = 1 + OL_ASCII_WORDS_PER_BLOCK * maxBlocks + 8 };
static const uint64_t bit5 = 0x2020202020202020ULL;

static inline uint64_t load64(const uint8_t *bytes) {
  uint64_t value;
  memcpy(&value, bytes, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  value = __builtin_bswap64(value);
#endif
  return value;
}

static inline uint64_t load32(const uint8_t *bytes) {
  uint32_t value;
  memcpy(&value, bytes, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  value = __builtin_bswap32(value);
#endif
  return value;
}

/// The XOR of the two halves of the 128-bit product of `a` and `b`.
static inline uint64_t mum(uint64_t a, uint64_t b) {
  __uint128_t product = (__uint128_t)a * b;
  return (uint64_t)(product >> 64) ^ (uint64_t)product;
}

static inline uint64_t finish(
    const OLStableHashKey *key, uint64_t a, uint64_t b, uint64_t seed, size_t count) {
  __uint128_t product = (__uint128_t)(a ^ key->k1) * (b ^ seed);
  return mum((uint64_t)product ^ key->k0 ^ (uint64_t)count, (uint64_t)(product >> 64) ^ key->k1);
}

/// The hash of the `count` bytes at `bytes` with bit 5 set in each, reading only those bytes.
static uint64_t hash_any_length(const OLStableHashKey *key, const uint8_t *bytes, size_t count) {
  uint64_t seed = key->state, a = 0, b = 0;
  if (count <= 16) {
    if (count >= 4) {
      size_t step = (count >> 3) << 2;
      uint64_t low = bit5 >> 32;
      a = (load32(bytes) | low) << 32 | (load32(bytes + step) | low);
      b = (load32(bytes + count - 4) | low) << 32 | (load32(bytes + count - 4 - step) | low);
    } else if (count > 0) {
      a = (uint64_t)(bytes[0] | 0x20) << 16 | (uint64_t)(bytes[count >> 1] | 0x20) << 8 |
          (uint64_t)(bytes[count - 1] | 0x20);
    }
    return finish(key, a, b, seed, count);
  }
  size_t offset = 0, remaining = count;
  if (remaining > 48) {
    uint64_t seed1 = seed, seed2 = seed;
    do {
      const uint8_t *p = bytes + offset;
      seed = mum((load64(p) | bit5) ^ key->k1, (load64(p + 8) | bit5) ^ seed);
      seed1 = mum((load64(p + 16) | bit5) ^ key->k2, (load64(p + 24) | bit5) ^ seed1);
      seed2 = mum((load64(p + 32) | bit5) ^ key->k3, (load64(p + 40) | bit5) ^ seed2);
      offset += 48;
      remaining -= 48;
    } while (remaining > 48);
    seed ^= seed1 ^ seed2;
  }
  while (remaining > 16) {
    const uint8_t *p = bytes + offset;
    seed = mum((load64(p) | bit5) ^ key->k1, (load64(p + 8) | bit5) ^ seed);
    offset += 16;
    remaining -= 16;
  }
  a = load64(bytes + offset + remaining - 16) | bit5;
  b = load64(bytes + offset + remaining - 8) | bit5;
  return finish(key, a, b, seed, count);
}

/// `hash_any_length` of 1 to 8 bytes, from the 8 bytes at `bytes` (those past `count` are
/// ignored), without a branch: the reads of 4 to 8 bytes and of 1 to 3 are both made as shifts.
static inline uint64_t hash_up_to_8(
    const OLStableHashKey *key, const uint8_t *bytes, size_t count) {
  uint64_t word = load64(bytes) | bit5;
  unsigned bits = (unsigned)count << 3;
  unsigned step = (bits & 64) >> 1;  // 32 when there are 8 bytes, else 0
  unsigned last4 = (bits - 32) & 63;
  uint64_t a4 = word << 32 | ((word >> step) & 0xffffffffULL);
  uint64_t b4 = (word >> last4) << 32 | ((word >> ((last4 - step) & 63)) & 0xffffffffULL);
  uint64_t a1 = (word & 0xff) << 16 | ((word >> ((bits >> 4) << 3)) & 0xff) << 8 |
                ((word >> ((bits - 8) & 63)) & 0xff);
  int isLong = count >= 4;
  return finish(key, isLong ? a4 : a1, isLong ? b4 : 0, key->state, count);
}

/// Collects the starts and ends of the words in up to `blocks` 64-byte blocks from
/// `scan->position`, and updates `scan`; returns the number of words that end in them.
///
/// A word open when the call begins starts at `scan->resume`. The positions are stored eight
/// at a time whether or not there are eight: one well-predicted branch per eight words, where a
/// loop per word mispredicts at every block's last word. Both lists need `listRoom` entries.
__attribute__((always_inline)) static inline size_t find_words(
    const uint8_t *text, size_t count, OLASCIIWordScan *scan, size_t blocks, size_t *starts,
    size_t *ends, OLASCIIWordStop *stop) {
  size_t startCount = 0, endCount = 0;
  if (scan->wordIsOpen) starts[startCount++] = scan->resume;
  uint64_t open = scan->wordIsOpen ? 1 : 0;
  size_t position = scan->position;
  *stop = OLASCIIWordStopFull;
  for (size_t block = 0; block < blocks; block++) {
    if (position + 64 > count) {
      *stop = OLASCIIWordStopEnd;
      break;
    }
    uint64_t letters;
    if (!ol_ascii_alphanumerics64(text + position, &letters)) {
      *stop = OLASCIIWordStopNonASCII;
      break;
    }
    // Bit i of `after` is set when the byte before byte i is a letter or digit.
    uint64_t after = letters << 1 | open;
    uint64_t wordStarts = letters & ~after, wordEnds = ~letters & after;
    open = letters >> 63;
    size_t found = (size_t)__builtin_popcountll(wordStarts);
    for (size_t stored = 0; stored < found; stored += 8) {
      for (int i = 0; i < 8; i++) {
        // The top bit keeps the count defined once the mask is empty; it is never a start
        // that is stored, since stored starts come before any empty mask.
        starts[startCount + stored + i] =
            position + (size_t)__builtin_ctzll(wordStarts | 1ULL << 63);
        wordStarts &= wordStarts - 1;
      }
    }
    startCount += found;
    found = (size_t)__builtin_popcountll(wordEnds);
    for (size_t stored = 0; stored < found; stored += 8) {
      for (int i = 0; i < 8; i++) {
        ends[endCount + stored + i] = position + (size_t)__builtin_ctzll(wordEnds | 1ULL << 63);
        wordEnds &= wordEnds - 1;
      }
    }
    endCount += found;
    position += 64;
  }
  scan->position = position;
  if (startCount > endCount) {
    scan->resume = starts[endCount];
    scan->wordIsOpen = 1;
  } else {
    scan->wordIsOpen = 0;
    if (endCount > 0) scan->resume = ends[endCount - 1];
  }
  return endCount;
}

static size_t find_words_portable(
    const uint8_t *text, size_t count, OLASCIIWordScan *scan, size_t blocks, size_t *starts,
    size_t *ends, OLASCIIWordStop *stop) {
  return find_words(text, count, scan, blocks, starts, ends, stop);
}

/// Hashes the `words` words that start and end at `starts` and `ends` into `hashes`. The key
/// is a copy that the stores to `hashes` cannot touch, so its constants stay in registers.
static void hash_words_portable(
    const uint8_t *text, size_t count, const size_t *starts, const size_t *ends, size_t words,
    OLStableHashKey key, uint64_t *hashes) {
  for (size_t k = 0; k < words; k++) {
    size_t length = ends[k] - starts[k];
    hashes[k] = length <= 8 && starts[k] + 8 <= count
                    ? hash_up_to_8(&key, text + starts[k], length)
                    : hash_any_length(&key, text + starts[k], length);
  }
}

#if defined(__x86_64__)
#include <tmmintrin.h>

// With SSSE3, one byte shuffle makes both halves of a word of up to 16 bytes, as
// hash_any_length reads them: row n gives a's 8 bytes, then b's, little-endian; 0x80 makes a
// zero byte. 1 to 3 bytes: a = first << 16 | middle << 8 | last, b = 0. 4 to 16, with step =
// (n / 8) * 4: a = bytes 0-3 << 32 | bytes step to step+3; b = bytes n-4 to n-1 << 32 | bytes
// n-4-step to n-1-step.
static const uint8_t shuffles[17][16] __attribute__((aligned(16))) = {
    {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
     0x80},
    {0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {1, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {2, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
    {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3, 4, 1, 2, 3, 4},
    {0, 1, 2, 3, 0, 1, 2, 3, 2, 3, 4, 5, 2, 3, 4, 5},
    {0, 1, 2, 3, 0, 1, 2, 3, 3, 4, 5, 6, 3, 4, 5, 6},
    {4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7},
    {4, 5, 6, 7, 0, 1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8},
    {4, 5, 6, 7, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9},
    {4, 5, 6, 7, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10},
    {4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
    {4, 5, 6, 7, 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12},
    {4, 5, 6, 7, 0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13},
    {4, 5, 6, 7, 0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14},
    {8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15},
};

/// `find_words` with the instructions that count bits and find the lowest set bit.
__attribute__((target("popcnt,bmi"))) static size_t find_words_popcnt(
    const uint8_t *text, size_t count, OLASCIIWordScan *scan, size_t blocks, size_t *starts,
    size_t *ends, OLASCIIWordStop *stop) {
  return find_words(text, count, scan, blocks, starts, ends, stop);
}

/// `hash_words_portable`, with a byte shuffle for words of up to 16 bytes.
__attribute__((target("ssse3"))) static void hash_words_ssse3(
    const uint8_t *text, size_t count, const size_t *starts, const size_t *ends, size_t words,
    OLStableHashKey key, uint64_t *hashes) {
  for (size_t k = 0; k < words; k++) {
    size_t length = ends[k] - starts[k];
    if (length <= 16 && starts[k] + 16 <= count) {
      __m128i bytes = _mm_or_si128(
          _mm_loadu_si128((const __m128i *)(text + starts[k])), _mm_set1_epi8(0x20));
      __m128i parts = _mm_shuffle_epi8(bytes, _mm_load_si128((const __m128i *)shuffles[length]));
      uint64_t a = (uint64_t)_mm_cvtsi128_si64(parts);
      uint64_t b = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(parts, parts));
      hashes[k] = finish(&key, a, b, key.state, length);
    } else {
      hashes[k] = hash_any_length(&key, text + starts[k], length);
    }
  }
}
#endif

OLASCIIWordStop ol_ascii_word_hashes(
    const uint8_t *text, size_t count, OLASCIIWordScan *scan, const OLStableHashKey *key,
    uint64_t *hashes, size_t capacity, size_t *written, int portable) {
  size_t starts[listRoom], ends[listRoom];
  OLASCIIWordStop stop;
  size_t blocks = capacity / OL_ASCII_WORDS_PER_BLOCK;
  if (blocks > maxBlocks) blocks = maxBlocks;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (!portable && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt") &&
      __builtin_cpu_supports("bmi")) {
    *written = find_words_popcnt(text, count, scan, blocks, starts, ends, &stop);
    hash_words_ssse3(text, count, starts, ends, *written, *key, hashes);
    return stop;
  }
#endif
  *written = find_words_portable(text, count, scan, blocks, starts, ends, &stop);
  hash_words_portable(text, count, starts, ends, *written, *key, hashes);
  return stop;
}
