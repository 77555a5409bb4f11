#include "MinHashKernel.h"

static void update_portable(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint64_t *minima, size_t count) {
  for (size_t k = 0; k < shingleCount; k++) {
    uint64_t x = shingles[k];
    for (size_t j = 0; j < count; j++) {
      uint64_t value = multipliers[j] * x + increments[j];
      minima[j] = value < minima[j] ? value : minima[j];
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

// Eight functions (two AVX2 vectors) per block: the minima, multipliers and increments of a block
// stay in registers while every shingle streams past. AVX2 has neither a 64-bit multiply nor an
// unsigned 64-bit minimum: the product is (a_lo * x_lo) + ((a_lo * x_hi + a_hi * x_lo) << 32),
// and the minimum is taken on values offset by 2^63, where a signed comparison orders them as
// unsigned ones.
__attribute__((target("avx2"))) static void update_avx2(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint64_t *minima, size_t count) {
  const __m256i bias = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
  for (size_t j = 0; j < count; j += 8) {
    __m256i a0 = _mm256_loadu_si256((const __m256i *)(multipliers + j));
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(multipliers + j + 4));
    __m256i ah0 = _mm256_srli_epi64(a0, 32);
    __m256i ah1 = _mm256_srli_epi64(a1, 32);
    __m256i b0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(increments + j)), bias);
    __m256i b1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(increments + j + 4)), bias);
    __m256i m0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(minima + j)), bias);
    __m256i m1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(minima + j + 4)), bias);
    for (size_t k = 0; k < shingleCount; k++) {
      __m256i x = _mm256_set1_epi64x((long long)shingles[k]);
      __m256i xh = _mm256_srli_epi64(x, 32);
      __m256i c0 = _mm256_add_epi64(_mm256_mul_epu32(a0, xh), _mm256_mul_epu32(ah0, x));
      __m256i c1 = _mm256_add_epi64(_mm256_mul_epu32(a1, xh), _mm256_mul_epu32(ah1, x));
      __m256i v0 = _mm256_add_epi64(_mm256_mul_epu32(a0, x), _mm256_slli_epi64(c0, 32));
      __m256i v1 = _mm256_add_epi64(_mm256_mul_epu32(a1, x), _mm256_slli_epi64(c1, 32));
      v0 = _mm256_add_epi64(v0, b0);
      v1 = _mm256_add_epi64(v1, b1);
      m0 = _mm256_blendv_epi8(m0, v0, _mm256_cmpgt_epi64(m0, v0));
      m1 = _mm256_blendv_epi8(m1, v1, _mm256_cmpgt_epi64(m1, v1));
    }
    _mm256_storeu_si256((__m256i *)(minima + j), _mm256_xor_si256(m0, bias));
    _mm256_storeu_si256((__m256i *)(minima + j + 4), _mm256_xor_si256(m1, bias));
  }
}

// Up to 56 functions (seven vectors) per block: 21 registers of state, so a block runs with no
// spill while every shingle streams past.
__attribute__((target("avx512f,avx512dq"))) static void update_avx512(
    const uint64_t *shingles, size_t shingleCount, const uint64_t *multipliers,
    const uint64_t *increments, uint64_t *minima, size_t count) {
  size_t j = 0;
  for (; j + 56 <= count; j += 56) {
    __m512i a[7], b[7], m[7];
    for (int v = 0; v < 7; v++) {
      a[v] = _mm512_loadu_si512(multipliers + j + 8 * v);
      b[v] = _mm512_loadu_si512(increments + j + 8 * v);
      m[v] = _mm512_loadu_si512(minima + j + 8 * v);
    }
    for (size_t k = 0; k < shingleCount; k++) {
      __m512i x = _mm512_set1_epi64((long long)shingles[k]);
      for (int v = 0; v < 7; v++) {
        m[v] = _mm512_min_epu64(m[v], _mm512_add_epi64(_mm512_mullo_epi64(a[v], x), b[v]));
      }
    }
    for (int v = 0; v < 7; v++) _mm512_storeu_si512(minima + j + 8 * v, m[v]);
  }
  for (; j < count; j += 8) {
    __m512i a = _mm512_loadu_si512(multipliers + j);
    __m512i b = _mm512_loadu_si512(increments + j);
    __m512i m = _mm512_loadu_si512(minima + j);
    for (size_t k = 0; k < shingleCount; k++) {
      __m512i x = _mm512_set1_epi64((long long)shingles[k]);
      m = _mm512_min_epu64(m, _mm512_add_epi64(_mm512_mullo_epi64(a, x), b));
    }
    _mm512_storeu_si512(minima + j, m);
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
    const uint64_t *multipliers, const uint64_t *increments, uint64_t *minima, size_t count) {
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
