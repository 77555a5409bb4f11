/// Fixed 64-bit mixing, for keys that must be the same on every machine and every run
/// (never Swift's per-process randomized `Hasher`).
public enum Mix64 {
  /// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
  @inline(__always)
  public static func finalize(_ value: UInt64) -> UInt64 {
    var x = value
    x ^= x >> 33
    x &*= 0xff51_afd7_ed55_8ccd
    x ^= x >> 33
    x &*= 0xc4ce_b9fe_1a85_ec53
    x ^= x >> 33
    return x
  }

  /// Combines a running hash with another word.
  @inline(__always)
  public static func combine(_ hash: UInt64, _ word: UInt64) -> UInt64 {
    finalize(hash ^ (word &+ 0x9e37_79b9_7f4a_7c15 &+ (hash << 6) &+ (hash >> 2)))
  }
}
