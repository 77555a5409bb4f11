import CPrefetch

/// An array of unsigned integers of `width` bits each, packed end to end into little-endian
/// 64-bit words, read in place from a mapped file: a segment's token and suffix arrays
/// (Docs/Formats.md).
///
/// Entry `i` starts at bit `i × width`; bit 0 is the least significant bit of the first byte.
/// The packed bytes are followed by one zero word, so that reading any entry loads 8 bytes that
/// all lie inside the file. A width of 32 is read as plain `u32` words, which is also how
/// segments of format version 1 (no padding) are read.
///
/// An entry of at most 25 bits lies, with the up to 7 bits before it in its first byte, in 4
/// bytes: it is read with a 4-byte load, as is a 32-bit entry (at a whole byte, shifted by 0).
/// Wider entries take an 8-byte load. The binary searches read entries at random, one cache
/// miss each; a 4-byte load crosses into a second cache line 3 times in 64, an 8-byte one 7
/// times (Docs/Benchmarks.md).
struct PackedArray: @unchecked Sendable {
  let base: UnsafeRawPointer
  let width: Int
  /// Whether entries are read with a 4-byte load (widths up to 25, and 32).
  private let narrow: Bool
  private let mask: UInt64

  init(base: UnsafeRawPointer, width: Int) {
    precondition((1...32).contains(width), "packed entries are 1 to 32 bits wide")
    self.base = base
    self.width = width
    narrow = width <= 25 || width == 32
    mask = (1 << UInt64(width)) - 1
  }

  /// Entry `index`.
  @inline(__always)
  subscript(index: Int) -> UInt32 {
    let bit = index &* width
    if narrow {
      let word = base.loadUnaligned(fromByteOffset: bit >> 3, as: UInt32.self)
      return (word >> UInt32(bit & 7)) & UInt32(truncatingIfNeeded: mask)
    }
    let word = base.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self)
    return UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
  }

  /// Starts loading the cache line of entry `index` (any index: a prefetch never faults).
  @inline(__always)
  func prefetch(_ index: Int) {
    ol_prefetch(base + ((index &* width) >> 3))
  }

  /// The fewest bits that hold every value up to `largest` (at least 1).
  static func width(toHold largest: Int) -> Int {
    max(1, Int.bitWidth - largest.leadingZeroBitCount)
  }

  /// The bytes of `count` entries of `width` bits: the whole words they fill, and one more.
  static func byteCount(count: Int, width: Int) -> Int {
    width == 32 ? 4 * count : 8 * ((count * width + 63) / 64 + 1)
  }

  /// `values` packed at `width` bits each into a new buffer of `byteCount(count:width:)` bytes,
  /// which the caller deallocates. Every value must fit in `width` bits.
  static func pack(_ values: UnsafeBufferPointer<UInt32>, width: Int)
    -> UnsafeMutableRawBufferPointer
  {
    let bytes = byteCount(count: values.count, width: width)
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 8)
    out.initializeMemory(as: UInt8.self, repeating: 0)
    if width == 32 {
      if let source = values.baseAddress, !values.isEmpty {
        out.baseAddress!.copyMemory(from: source, byteCount: 4 * values.count)
      }
      return out
    }
    let words = out.bindMemory(to: UInt64.self)
    var pending: UInt64 = 0
    var filled = 0
    var next = 0
    let w = UInt64(width)
    for value in values {
      let v = UInt64(value)
      pending |= v << UInt64(filled)
      filled += width
      if filled >= 64 {
        words[next] = pending.littleEndian
        next += 1
        filled -= 64
        // The high bits of `v` that did not fit in the word just written.
        pending = filled == 0 ? 0 : v >> (w - UInt64(filled))
      }
    }
    if filled > 0 { words[next] = pending.littleEndian }
    return out
  }
}
