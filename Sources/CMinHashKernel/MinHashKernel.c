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
// (four a vector); the second only 32-bit ones (eight a vector). The four-lane results of
// functions 0-3 and 4-7 interleave as 0,4,1,5,2,6,3,7, the order the constants and minima are
// permuted into for the block.
__attribute__((target("avx2"))) static void update_avx2(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint32_t *minima, size_t count) {
  const __m256i interleave = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i deinterleave = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  for (size_t j = 0; j < count; j += 8) {
    __m256i a0 = _mm256_loadu_si256((const __m256i *)(multipliers + j));
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(multipliers + j + 4));
    __m256i b0 = _mm256_loadu_si256((const __m256i *)(increments + j));
    __m256i b1 = _mm256_loadu_si256((const __m256i *)(increments + j + 4));
    // The low and high 32 bits of the eight multipliers, in interleaved order.
    __m256i aLow = _mm256_blend_epi32(a0, _mm256_slli_epi64(a1, 32), 0xaa);
    __m256i aHigh = _mm256_blend_epi32(_mm256_srli_epi64(a0, 32), a1, 0xaa);
    __m256i m = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(minima + j)), interleave);
    for (size_t k = 0; k < shingleCount; k++) {
      // Broadcast straight from memory (x86 is little-endian: the low half comes first).
      const char *x = (const char *)(shingles + k);
      __m256i xl = _mm256_broadcastd_epi32(_mm_loadu_si32(x));
      __m256i xh = _mm256_broadcastd_epi32(_mm_loadu_si32(x + 4));
      __m256i p0 = _mm256_add_epi64(_mm256_mul_epu32(a0, xl), b0);
      __m256i p1 = _mm256_add_epi64(_mm256_mul_epu32(a1, xl), b1);
      __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(p0, 32), p1, 0xaa);
      __m256i cross = _mm256_add_epi32(_mm256_mullo_epi32(aLow, xh), _mm256_mullo_epi32(aHigh, xl));
      m = _mm256_min_epu32(m, _mm256_add_epi32(high, cross));
    }
    _mm256_storeu_si256((__m256i *)(minima + j), _mm256_permutevar8x32_epi32(m, deinterleave));
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
