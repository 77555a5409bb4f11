// Times openledger's MinHash kernel alone, without the tokenizer: 512 shingles at a time (a
// batch, as `SignatureBuilder` hands them over) through 112 functions, in CPU time of the
// thread. Built and run by Benchmarks/kernel.sh against Sources/CMinHashKernel.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "MinHashKernel.h"

static uint64_t state = 1;

static uint64_t next_random(void) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double thread_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  enum { batch = 512, functions = 112, batches = 20000 };
  const char *names[] = {"portable", "avx2", "avx512"};
  uint64_t shingles[batch], multipliers[functions], increments[functions];
  for (int i = 0; i < batch; i++) shingles[i] = next_random();
  for (int i = 0; i < functions; i++) {
    multipliers[i] = next_random() | 1;
    increments[i] = next_random();
  }
  int repeats = argc > 1 ? atoi(argv[1]) : 5;
  uint32_t check = 0;
  for (int path = 0; path < 3; path++) {
    if (!ol_minhash_path_supported((OLMinHashPath)path)) continue;
    printf("%-9s", names[path]);
    for (int repeat = 0; repeat < repeats; repeat++) {
      uint32_t minima[functions];
      for (int i = 0; i < functions; i++) minima[i] = UINT32_MAX;
      double start = thread_seconds();
      for (int b = 0; b < batches; b++) {
        shingles[b % batch] ^= (uint64_t)b;  // each batch a little different
        ol_minhash_update(
            (OLMinHashPath)path, shingles, batch, multipliers, increments, minima, functions);
      }
      double seconds = thread_seconds() - start;
      printf(" %6.2f", seconds * 1e9 / ((double)batches * batch));
      check ^= minima[0];
    }
    printf("  ns a shingle\n");
  }
  printf("(check %u)\n", check);
  return 0;
}
