#include "MinHashKernel.h"

// Every path takes blocks of 8 functions: the block's constants and minima stay in registers
// while every shingle streams past. Inside a call, minima are kept on the full 64-bit values,
// whose order agrees with that of their high 32 bits; the high 32 bits are merged at the end.

static void update_portable(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint32_t *minima, size_t count) {
  for (size_t j = 0; j < count; j += 8) {
    uint64_t a[8], b[8], m[8];
    for (int v = 0; v < 8; v++) {
      a[v] = multipliers[j + v];
      b[v] = increments[j + v];
      m[v] = UINT64_MAX;
    }
    for (size_t k = 0; k < shingleCount; k++) {
      uint64_t x = shingles[k];
      for (int v = 0; v < 8; v++) {
        uint64_t value = a[v] * x + b[v];
        // Keeps the value in a general register. Baseline x86-64 (SSE2) and NEON have no
        // 64-bit vector multiply, and the vectorizer's emulation of one runs slower than
        // scalar multiplies.
        __asm__("" : "+r"(value));
        m[v] = value < m[v] ? value : m[v];
      }
    }
    for (int v = 0; v < 8; v++) {
      uint32_t high = (uint32_t)(m[v] >> 32);
      minima[j + v] = high < minima[j + v] ? high : minima[j + v];
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

// AVX2 has no 64-bit multiply, so it computes the high 32 bits directly. With a = ah·2³² + al
// and x = xh·2³² + xl, (a·x + b) mod 2⁶⁴ = al·xl + b + 2³²·(al·xh + ah·xl), so its high half is
// high32(al·xl + b) + low32(al·xh + ah·xl), mod 2³². The first term needs a 64-bit product
// (four a vector); the second only 32-bit ones (eight a vector). One shuffle (`shufps`, two
// dwords from each source per 128-bit half) gathers the high dwords of the 64-bit products of
// functions 0-3 and 4-7 into one vector, in the order 0,1,4,5,2,3,6,7; the same shuffle puts
// the multipliers' low and high halves in that order, and the minima are permuted into it for
// the block.
//
// Two blocks of 8 functions go through the shingles together: the two broadcasts of each
// shingle serve both. Their constants do not all fit the 16 registers; the compiler reads the
// rest from memory, which costs a load, not an instruction.

/// A block of 8 functions: its constants, arranged for the arithmetic above, and its minima.
typedef struct {
  __m256i a0, a1, b0, b1, aLow, aHigh, minima;
} OLBlock;

/// Per 128-bit half, the high dwords of `x`'s and `y`'s 64-bit lanes: x1 x3 y1 y3.
__attribute__((target("avx2"), always_inline)) static inline __m256i high_dwords_avx2(
    __m256i x, __m256i y) {
  return _mm256_castps_si256(_mm256_shuffle_ps(
      _mm256_castsi256_ps(x), _mm256_castsi256_ps(y), _MM_SHUFFLE(3, 1, 3, 1)));
}

/// Per 128-bit half, the low dwords of `x`'s and `y`'s 64-bit lanes: x0 x2 y0 y2.
__attribute__((target("avx2"), always_inline)) static inline __m256i low_dwords_avx2(
    __m256i x, __m256i y) {
  return _mm256_castps_si256(_mm256_shuffle_ps(
      _mm256_castsi256_ps(x), _mm256_castsi256_ps(y), _MM_SHUFFLE(2, 0, 2, 0)));
}

/// The minima's order in a block, 0,1,4,5,2,3,6,7: its own inverse, so one permutation takes
/// them in and out.
__attribute__((target("avx2"), always_inline)) static inline __m256i block_order_avx2(void) {
  return _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
}

__attribute__((target("avx2"), always_inline)) static inline OLBlock load_block_avx2(
    const uint64_t *multipliers, const uint64_t *increments, const uint32_t *minima) {
  OLBlock block;
  block.a0 = _mm256_loadu_si256((const __m256i *)multipliers);
  block.a1 = _mm256_loadu_si256((const __m256i *)(multipliers + 4));
  block.b0 = _mm256_loadu_si256((const __m256i *)increments);
  block.b1 = _mm256_loadu_si256((const __m256i *)(increments + 4));
  block.aLow = low_dwords_avx2(block.a0, block.a1);
  block.aHigh = high_dwords_avx2(block.a0, block.a1);
  block.minima =
      _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)minima), block_order_avx2());
  return block;
}

/// The block's minima lowered with the shingle whose low and high 32 bits are broadcast in
/// `xl` and `xh`.
__attribute__((target("avx2"), always_inline)) static inline __m256i lower_avx2(
    OLBlock block, __m256i xl, __m256i xh) {
  // _mm256_mul_epu32 reads the low dword of each 64-bit lane: the multipliers' low halves.
  __m256i p0 = _mm256_add_epi64(_mm256_mul_epu32(block.a0, xl), block.b0);
  __m256i p1 = _mm256_add_epi64(_mm256_mul_epu32(block.a1, xl), block.b1);
  __m256i high = high_dwords_avx2(p0, p1);
  __m256i cross = _mm256_add_epi32(
      _mm256_mullo_epi32(block.aLow, xh), _mm256_mullo_epi32(block.aHigh, xl));
  return _mm256_min_epu32(block.minima, _mm256_add_epi32(high, cross));
}

__attribute__((target("avx2"), always_inline)) static inline void store_block_avx2(
    OLBlock block, uint32_t *minima) {
  _mm256_storeu_si256(
      (__m256i *)minima, _mm256_permutevar8x32_epi32(block.minima, block_order_avx2()));
}

__attribute__((target("avx2"))) static void update_avx2(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint32_t *minima, size_t count) {
  size_t j = 0;
  for (; j + 16 <= count; j += 16) {
    OLBlock first = load_block_avx2(multipliers + j, increments + j, minima + j);
    OLBlock second = load_block_avx2(multipliers + j + 8, increments + j + 8, minima + j + 8);
    for (size_t k = 0; k < shingleCount; k++) {
      // Broadcast straight from memory (x86 is little-endian: the low half comes first).
      const char *x = (const char *)(shingles + k);
      __m256i xl = _mm256_broadcastd_epi32(_mm_loadu_si32(x));
      __m256i xh = _mm256_broadcastd_epi32(_mm_loadu_si32(x + 4));
      first.minima = lower_avx2(first, xl, xh);
      second.minima = lower_avx2(second, xl, xh);
    }
    store_block_avx2(first, minima + j);
    store_block_avx2(second, minima + j + 8);
  }
  if (j < count) {
    OLBlock last = load_block_avx2(multipliers + j, increments + j, minima + j);
    for (size_t k = 0; k < shingleCount; k++) {
      const char *x = (const char *)(shingles + k);
      last.minima = lower_avx2(
          last, _mm256_broadcastd_epi32(_mm_loadu_si32(x)),
          _mm256_broadcastd_epi32(_mm_loadu_si32(x + 4)));
    }
    store_block_avx2(last, minima + j);
  }
}

// Up to 56 functions (seven vectors) per block: 21 registers of state, no spill.
__attribute__((target("avx512f,avx512dq"))) static void update_avx512(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint32_t *minima, size_t count) {
  for (size_t j = 0; j < count;) {
    int vectors = (int)((count - j) / 8 < 7 ? (count - j) / 8 : 7);
    __m512i a[7], b[7], m[7];
    for (int v = 0; v < vectors; v++) {
      a[v] = _mm512_loadu_si512(multipliers + j + 8 * v);
      b[v] = _mm512_loadu_si512(increments + j + 8 * v);
      m[v] = _mm512_set1_epi64(-1);
    }
    if (vectors == 7) {
      for (size_t k = 0; k < shingleCount; k++) {
        __m512i x = _mm512_set1_epi64((long long)shingles[k]);
        for (int v = 0; v < 7; v++) {
          m[v] = _mm512_min_epu64(m[v], _mm512_add_epi64(_mm512_mullo_epi64(a[v], x), b[v]));
        }
      }
    } else {
      for (size_t k = 0; k < shingleCount; k++) {
        __m512i x = _mm512_set1_epi64((long long)shingles[k]);
        for (int v = 0; v < vectors; v++) {
          m[v] = _mm512_min_epu64(m[v], _mm512_add_epi64(_mm512_mullo_epi64(a[v], x), b[v]));
        }
      }
    }
    for (int v = 0; v < vectors; v++) {
      __m256i high = _mm512_cvtepi64_epi32(_mm512_srli_epi64(m[v], 32));
      __m256i old = _mm256_loadu_si256((const __m256i *)(minima + j + 8 * v));
      _mm256_storeu_si256((__m256i *)(minima + j + 8 * v), _mm256_min_epu32(old, high));
    }
    j += 8 * (size_t)vectors;
  }
}
#endif

int ol_minhash_path_supported(OLMinHashPath path) {
#if defined(__x86_64__)
  __builtin_cpu_init();
#endif
  switch (path) {
  case OLMinHashPathPortable:
    return 1;
#if defined(__x86_64__)
  case OLMinHashPathAVX2:
    return __builtin_cpu_supports("avx2");
  case OLMinHashPathAVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#endif
  default:
    return 0;
  }
}

OLMinHashPath ol_minhash_best_path(void) {
  if (ol_minhash_path_supported(OLMinHashPathAVX512)) return OLMinHashPathAVX512;
  if (ol_minhash_path_supported(OLMinHashPathAVX2)) return OLMinHashPathAVX2;
  return OLMinHashPathPortable;
}

void ol_minhash_update(
    OLMinHashPath path, const uint64_t *shingles, size_t shingleCount,
    const uint64_t *multipliers, const uint64_t *increments, uint32_t *minima, size_t count) {
  if (!ol_minhash_path_supported(path)) path = OLMinHashPathPortable;
  switch (path) {
#if defined(__x86_64__)
  case OLMinHashPathAVX512:
    update_avx512(shingles, shingleCount, multipliers, increments, minima, count);
    return;
  case OLMinHashPathAVX2:
    update_avx2(shingles, shingleCount, multipliers, increments, minima, count);
    return;
#endif
  default:
    update_portable(shingles, shingleCount, multipliers, increments, minima, count);
  }
}
