import CMinHashKernel

/// A fixed, seeded 64-bit hash of bytes: the same value on every run, machine and CPU.
///
/// Fingerprints are stored and compared across machines, so they cannot use Swift's `Hasher`,
/// which is seeded at random per process. The construction is wyhash's (Wang Yi): the input is
/// read as 64-bit little-endian words, two at a time, and each pair is folded into the state with
/// a 64×64→128-bit multiply whose two halves are XORed ("mum"); inputs of 16 bytes or fewer are
/// read with overlapping loads. The constants are openledger's own (odd, 32 of 64 bits set, drawn
/// from SplitMix64 seeded with the ASCII bytes of "openledg"), so the values are not wyhash's.
/// Changing anything here changes every stored signature: the pinned values in the tests say so.
/// `Sources/CMinHashKernel/WordHashes.c` computes the same hash for MinHash's ASCII words and
/// must change with it (`WordHashTests` compares the two).
public struct StableHash: Sendable, Hashable {
  private static let k0: UInt64 = 0x5f3d_e973_00ba_2187
  private static let k1: UInt64 = 0xc679_2a03_6a5c_76c7
  private static let k2: UInt64 = 0x0be3_dc99_7d35_04c3
  private static let k3: UInt64 = 0x36a5_0c47_4eac_eea9

  /// The seed, already mixed with the constants.
  private let state: UInt64

  /// A hash function of the family, chosen by `seed`.
  public init(seed: UInt64) {
    state = seed ^ Self.mum(seed ^ Self.k0, Self.k1)
  }

  /// The XOR of the two halves of the 128-bit product of `a` and `b`.
  @inline(__always)
  private static func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let product = a.multipliedFullWidth(by: b)
    return product.high ^ product.low
  }

  /// The hash of `bytes`.
  @inline(__always)
  public func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    hash(bytes, orMask: 0)
  }

  /// The hash of `bytes` with bit 5 (0x20) set in every byte, read in place.
  ///
  /// For ASCII letters and digits that is the hash of their lowercase form: setting bit 5
  /// lowers a letter and leaves a digit as it is. The tokenizer's fast path hashes words this
  /// way without copying them.
  @inline(__always)
  public func hash(settingBit5Of bytes: UnsafeRawBufferPointer) -> UInt64 {
    hash(bytes, orMask: 0x2020_2020_2020_2020)
  }

  /// The hash of the first `count` (1 to 8) of the little-endian bytes of `word`, with bit 5
  /// set in each: `hash(settingBit5Of:)` of those bytes, from a register and without a branch.
  @inline(__always)
  public func hash(settingBit5OfFirst count: Int, of word: UInt64) -> UInt64 {
    let word = word | 0x2020_2020_2020_2020
    // The same reads as `hash(_:)`, as shifts (all in bits): 4 to 8 bytes take four bytes at
    // 0 and at `step` (4 when there are 8, else 0), and at `count - 4` and `count - 4 - step`;
    // 1 to 3 bytes take the first, middle and last byte. Both are computed, one is kept.
    let bits = UInt64(truncatingIfNeeded: count) &<< 3
    let step = (bits & 64) &>> 1
    let last4 = bits &- 32
    let a4 = (word & 0xffff_ffff) << 32 | (word &>> step) & 0xffff_ffff
    let b4 = ((word &>> last4) & 0xffff_ffff) << 32 | (word &>> (last4 &- step)) & 0xffff_ffff
    let a1 =
      (word & 0xff) << 16 | ((word &>> ((bits &>> 4) &<< 3)) & 0xff) << 8
      | (word &>> (bits &- 8)) & 0xff
    // All ones when `count` is at least 4.
    let long = UInt64(bitPattern: Int64(truncatingIfNeeded: 3 &- count) &>> 63)
    return Self.finish(a: a4 & long | a1 & ~long, b: b4 & long, seed: state, count: count)
  }

  /// The hash of `bytes`, each 64-bit word read ORed with `mask` (a byte repeated eight times).
  @inline(__always)
  private func hash(_ bytes: UnsafeRawBufferPointer, orMask mask: UInt64) -> UInt64 {
    let count = bytes.count
    var seed = state
    var a: UInt64
    var b: UInt64
    if count <= 16 {
      guard let base = bytes.baseAddress, count > 0 else {
        return Self.finish(a: 0, b: 0, seed: seed, count: 0)
      }
      if count >= 4 {
        // Two overlapping 4-byte reads from each end cover every byte of 4 to 16.
        let step = (count >> 3) << 2
        let mask32 = mask & 0xffff_ffff
        a = (base.littleEndian32(at: 0) | mask32) << 32 | (base.littleEndian32(at: step) | mask32)
        b =
          (base.littleEndian32(at: count - 4) | mask32) << 32
          | (base.littleEndian32(at: count - 4 - step) | mask32)
      } else {
        let byteMask = UInt8(truncatingIfNeeded: mask)
        a =
          UInt64(bytes[0] | byteMask) << 16 | UInt64(bytes[count >> 1] | byteMask) << 8
          | UInt64(bytes[count - 1] | byteMask)
        b = 0
      }
    } else {
      let base = bytes.baseAddress!
      var offset = 0
      var remaining = count
      if remaining > 48 {
        var seed1 = seed
        var seed2 = seed
        repeat {
          seed = Self.mum(
            (base.littleEndian64(at: offset) | mask) ^ Self.k1,
            (base.littleEndian64(at: offset + 8) | mask) ^ seed)
          seed1 = Self.mum(
            (base.littleEndian64(at: offset + 16) | mask) ^ Self.k2,
            (base.littleEndian64(at: offset + 24) | mask) ^ seed1)
          seed2 = Self.mum(
            (base.littleEndian64(at: offset + 32) | mask) ^ Self.k3,
            (base.littleEndian64(at: offset + 40) | mask) ^ seed2)
          offset += 48
          remaining -= 48
        } while remaining > 48
        seed ^= seed1 ^ seed2
      }
      while remaining > 16 {
        seed = Self.mum(
          (base.littleEndian64(at: offset) | mask) ^ Self.k1,
          (base.littleEndian64(at: offset + 8) | mask) ^ seed)
        offset += 16
        remaining -= 16
      }
      // The last 16 bytes, overlapping what came before when fewer remain.
      a = base.littleEndian64(at: offset + remaining - 16) | mask
      b = base.littleEndian64(at: offset + remaining - 8) | mask
    }
    return Self.finish(a: a, b: b, seed: seed, count: count)
  }

  /// The hash of 40 bytes, the little-endian bytes of `w0` to `w4` in order, from registers.
  ///
  /// Equal to `hash` of those bytes (a test checks it): 40 bytes take two 16-byte rounds, and
  /// the last 16 bytes are `w3` and `w4`. MinHash hashes each word 5-gram this way.
  @inline(__always)
  public func hash(
    _ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64, _ w4: UInt64
  ) -> UInt64 {
    let seed = Self.mum(w2 ^ Self.k1, w3 ^ Self.mum(w0 ^ Self.k1, w1 ^ state))
    return Self.finish(a: w3, b: w4, seed: seed, count: 40)
  }

  /// The function as the C word hasher takes it (`WordHashes.h`).
  var key: OLStableHashKey {
    OLStableHashKey(state: state, k0: Self.k0, k1: Self.k1, k2: Self.k2, k3: Self.k3)
  }

  /// The hash of the UTF-8 bytes of `text`.
  public func hash(_ text: String) -> UInt64 {
    var text = text
    return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
  }

  @inline(__always)
  private static func finish(a: UInt64, b: UInt64, seed: UInt64, count: Int) -> UInt64 {
    let product = (a ^ k1).multipliedFullWidth(by: b ^ seed)
    return mum(product.low ^ k0 ^ UInt64(count), product.high ^ k1)
  }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator whose output is fixed by its seed.
///
/// Used to draw the constants of the MinHash functions, and by tests for reproducible data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator that starts from `seed`.
  public init(seed: UInt64) {
    state = seed
  }

  /// The next 64 bits of the sequence.
  public mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
