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
    let out = UnsafeMutableRawBufferPointer.allocate(
      byteCount: byteCount(count: values.count, width: width), alignment: 8)
    if let source = values.baseAddress {
      pack(UnsafeRawPointer(source), count: values.count, width: width, into: out)
    } else {
      out.initializeMemory(as: UInt8.self, repeating: 0)
    }
    return out
  }

  /// `values` packed at `width` bits each over their own memory, when the packed bytes fit in
  /// it (for widths under 32 they take less room, but for the zero word after them); nil when
  /// they do not, or there are none. The result lies in `values`' memory, whose entries are
  /// then gone. Packing in place spares the pages of a new buffer, which the kernel would fault
  /// in and zero.
  static func packInPlace(_ values: UnsafeMutableBufferPointer<UInt32>, width: Int)
    -> UnsafeRawBufferPointer?
  {
    let bytes = byteCount(count: values.count, width: width)
    guard let base = values.baseAddress, !values.isEmpty, bytes <= 4 * values.count else {
      return nil
    }
    let out = UnsafeMutableRawBufferPointer(start: base, count: bytes)
    pack(UnsafeRawPointer(base), count: values.count, width: width, into: out)
    return UnsafeRawBufferPointer(out)
  }

  /// Packs `count` native `u32` values at `source` into `out`, which may be the same memory.
  /// Word `k` is stored once the entry that completes it has been read; it ends at byte
  /// `8(k + 1) ≤ width × (entries read) / 8 ≤ 4 × (entries read)`, so it never overwrites an
  /// entry not yet read. Raw loads and stores: the two views of one memory may alias.
  private static func pack(
    _ source: UnsafeRawPointer, count: Int, width: Int, into out: UnsafeMutableRawBufferPointer
  ) {
    let target = out.baseAddress!
    if width == 32 {
      if target != UnsafeMutableRawPointer(mutating: source) {
        target.copyMemory(from: source, byteCount: 4 * count)
      }
      return
    }
    var pending: UInt64 = 0
    var filled = 0
    var next = 0
    let w = UInt64(width)
    for index in 0..<count {
      let v = UInt64(source.load(fromByteOffset: 4 * index, as: UInt32.self))
      pending |= v << UInt64(filled)
      filled += width
      if filled >= 64 {
        target.storeBytes(of: pending.littleEndian, toByteOffset: 8 * next, as: UInt64.self)
        next += 1
        filled -= 64
        // The high bits of `v` that did not fit in the word just written.
        pending = filled == 0 ? 0 : v >> (w - UInt64(filled))
      }
    }
    if filled > 0 {
      target.storeBytes(of: pending.littleEndian, toByteOffset: 8 * next, as: UInt64.self)
      next += 1
    }
    // The zero word after the entries (and nothing else: every word before it was stored).
    (target + 8 * next).initializeMemory(as: UInt8.self, repeating: 0, count: out.count - 8 * next)
  }
}
