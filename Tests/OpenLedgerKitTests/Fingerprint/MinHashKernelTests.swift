import Testing

@testable import OpenLedgerKit

@Suite struct MinHashKernelTests {
  /// Every code path this machine supports gives exactly the plain arithmetic's minima, for
  /// block counts that exercise each path's full and partial blocks.
  @Test(arguments: MinHashKernel.allCases.filter(\.isSupported))
  func kernelMatchesPlainArithmetic(_ kernel: MinHashKernel) {
    var generator = SplitMix64(seed: 11)
    for functions in [8, 16, 56, 64, 112, 120] {
      for shingleCount in [0, 1, 7, 300] {
        let multipliers = (0..<functions).map { _ in generator.next() | 1 }
        let increments = (0..<functions).map { _ in generator.next() }
        let shingles = (0..<shingleCount).map { _ in generator.next() }
        let start = (0..<functions).map { _ in UInt32.random(in: 0...UInt32.max, using: &generator)
        }
        let expected = (0..<functions).map { j in
          shingles.reduce(start[j]) { least, x in
            min(least, UInt32((multipliers[j] &* x &+ increments[j]) >> 32))
          }
        }
        var minima = start
        minima.withUnsafeMutableBufferPointer { minima in
          shingles.withUnsafeBufferPointer { shingles in
            multipliers.withUnsafeBufferPointer { multipliers in
              increments.withUnsafeBufferPointer { increments in
                kernel.update(
                  minima: minima, shingles: shingles, multipliers: multipliers,
                  increments: increments)
              }
            }
          }
        }
        #expect(
          minima == expected, "\(kernel) with \(functions) functions, \(shingleCount) shingles")
      }
    }
  }

  @Test func signaturesAreIdenticalOnEveryPath() throws {
    let text = MinHashTests.randomText(words: 3_000, vocabulary: 800, seed: 5)
    let reference = try #require(MinHasher(kernel: .portable).signature(of: text))
    for kernel in MinHashKernel.allCases {
      #expect(MinHasher(kernel: kernel).signature(of: text) == reference, "\(kernel)")
    }
  }

  @Test func portableIsAlwaysSupportedAndBestIsSupported() {
    #expect(MinHashKernel.portable.isSupported)
    #expect(MinHashKernel.best.isSupported)
    #if arch(x86_64)
      #expect(MinHasher(kernel: .avx512).kernel.isSupported)
    #else
      #expect(MinHasher(kernel: .avx512).kernel == .portable)
    #endif
  }
}
