// Finding ASCII words sixteen bytes at a time, for MinHash's tokenizer fast path.
//
// Swift's SIMD types have no byte-mask extraction (x86's pmovmskb), and their comparisons
// compile to a loop over the lanes; classifying 64 bytes eight at a time in 64-bit words took a
// fifth of MinHash's tokenizing. SSE2 is part of every x86-64 CPU, so no dispatch is needed.
// WordHashes.c calls it for each block.

#ifndef OPENLEDGER_ASCII_WORDS_H
#define OPENLEDGER_ASCII_WORDS_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Sets `*mask` to bit i for each of the 64 bytes at `bytes` that is an ASCII letter or digit
/// (A-Z, a-z, 0-9), and returns 1; returns 0, leaving `*mask` unspecified, if any of the bytes
/// is not ASCII (0x80 or above).
static inline __attribute__((always_inline)) int ol_ascii_alphanumerics64(
    const uint8_t *bytes, uint64_t *mask) {
#if defined(__SSE2__)
  uint64_t letters = 0;
  int high = 0;
  for (int part = 0; part < 4; part++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * part));
    high |= _mm_movemask_epi8(v);
    // x - low <= span as unsigned bytes, tested as min(x - low, span) == x - low.
    __m128i letter = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i isLetter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(25)), letter);
    __m128i isDigit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
    uint64_t bits = (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(isLetter, isDigit));
    letters |= bits << (16 * part);
  }
  *mask = letters;
  return high == 0;
#else
  uint64_t letters = 0;
  for (int i = 0; i < 64; i++) {
    uint8_t byte = bytes[i];
    if (byte >= 0x80) return 0;
    int isLetter = (uint8_t)((byte | 0x20) - 'a') < 26;
    int isDigit = (uint8_t)(byte - '0') < 10;
    letters |= (uint64_t)(isLetter | isDigit) << i;
  }
  *mask = letters;
  return 1;
#endif
}

#endif
