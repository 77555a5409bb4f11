/// Keccak-256 as Ethereum uses it: the Keccak sponge over Keccak-f[1600] with a 1088-bit rate,
/// padded with the original Keccak padding (a 0x01 byte … a final 0x80 bit), not the 0x06 of
/// FIPS 202's SHA3-256. Ethereum hashes addresses (EIP-55 checksums) and function signatures
/// (ABI selectors) with it; nothing in a store does.
public enum Keccak256 {
  /// The rate in bytes: 1600 − 2 × 256 bits.
  static let rate = 136

  /// The 32-byte hash of `bytes`.
  public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var state = [UInt64](repeating: 0, count: 25)
    var block = [UInt8]()
    block.reserveCapacity(rate)
    for byte in bytes {
      block.append(byte)
      if block.count == rate {
        absorb(block, into: &state)
        block.removeAll(keepingCapacity: true)
      }
    }
    // The last block: the message's tail, 0x01, zeros, and 0x80 in the last byte (one byte
    // 0x81 when the tail leaves room for only one).
    let tail = block.count
    block.append(contentsOf: repeatElement(0, count: rate - tail))
    block[tail] |= 0x01
    block[rate - 1] |= 0x80
    absorb(block, into: &state)
    var out = [UInt8]()
    out.reserveCapacity(32)
    for lane in state.prefix(4) {
      for shift in stride(from: 0, to: 64, by: 8) {
        out.append(UInt8(truncatingIfNeeded: lane >> shift))
      }
    }
    return out
  }

  /// The hash of a string's UTF-8 bytes.
  public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }

  /// XORs one `rate`-byte block into the state (lanes little-endian) and permutes.
  private static func absorb(_ block: [UInt8], into state: inout [UInt64]) {
    for lane in 0..<(rate / 8) {
      var value: UInt64 = 0
      for byte in 0..<8 { value |= UInt64(block[lane * 8 + byte]) << (8 * byte) }
      state[lane] ^= value
    }
    permute(&state)
  }

  /// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ and ι over the 5 × 5 lanes, lane (x, y) at
  /// index x + 5y.
  static func permute(_ a: inout [UInt64]) {
    var b = [UInt64](repeating: 0, count: 25)
    var c = [UInt64](repeating: 0, count: 5)
    for round in 0..<24 {
      // θ: each lane takes the parity of the two columns beside it.
      for x in 0..<5 { c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] }
      for x in 0..<5 {
        let d = c[(x + 4) % 5] ^ rotate(c[(x + 1) % 5], 1)
        for y in 0..<5 { a[x + 5 * y] ^= d }
      }
      // ρ and π: lane (x, y) rotates by its offset and moves to (y, 2x + 3y).
      for x in 0..<5 {
        for y in 0..<5 {
          b[y + 5 * ((2 * x + 3 * y) % 5)] = rotate(a[x + 5 * y], rotations[x + 5 * y])
        }
      }
      // χ: the only non-linear step, along each row.
      for y in 0..<5 {
        for x in 0..<5 {
          a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y])
        }
      }
      // ι
      a[0] ^= roundConstants[round]
    }
  }

  @inline(__always)
  private static func rotate(_ value: UInt64, _ count: Int) -> UInt64 {
    count == 0 ? value : value << UInt64(count) | value >> UInt64(64 - count)
  }

  /// ρ's rotation of lane (x, y), at index x + 5y.
  private static let rotations: [Int] = [
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
  ]

  /// ι's constants, one per round.
  private static let roundConstants: [UInt64] = [
    0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
    0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
    0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
    0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
    0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
    0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
  ]
}
