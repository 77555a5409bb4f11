import CMinHashKernel

/// A code path of MinHash's inner loop; all give identical values, at different speeds.
public enum MinHashKernel: String, Sendable, CaseIterable {
  /// Plain code, for every CPU.
  case portable
  /// x86-64 with AVX2.
  case avx2
  /// x86-64 with AVX-512 F and DQ.
  case avx512

  /// The fastest path this CPU and operating system support.
  public static let best: MinHashKernel = MinHashKernel(ol_minhash_best_path())

  /// Whether this CPU and operating system support the path.
  public var isSupported: Bool {
    ol_minhash_path_supported(path) != 0
  }

  private init(_ path: OLMinHashPath) {
    switch path {
    case OLMinHashPathAVX512: self = .avx512
    case OLMinHashPathAVX2: self = .avx2
    default: self = .portable
    }
  }

  private var path: OLMinHashPath {
    switch self {
    case .portable: OLMinHashPathPortable
    case .avx2: OLMinHashPathAVX2
    case .avx512: OLMinHashPathAVX512
    }
  }

  /// Lowers each of `minima` to the least high 32 bits of `multipliers[j] &* x &+ increments[j]`
  /// over the `shingles`; constants and minima have the same count, a multiple of 8.
  func update(
    minima: UnsafeMutableBufferPointer<UInt32>, shingles: UnsafeBufferPointer<UInt64>,
    multipliers: UnsafeBufferPointer<UInt64>, increments: UnsafeBufferPointer<UInt64>
  ) {
    ol_minhash_update(
      path, shingles.baseAddress, shingles.count, multipliers.baseAddress,
      increments.baseAddress, minima.baseAddress, minima.count)
  }
}
