/// Word loads for hashing and keying bytes in place: little-endian whatever the machine, and at
/// any offset, aligned or not.
extension UnsafeRawPointer {
  /// The 8 bytes at `offset` as a little-endian word.
  @inline(__always)
  func littleEndian64(at offset: Int) -> UInt64 {
    UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// The 4 bytes at `offset` as a little-endian word, widened to 64 bits.
  @inline(__always)
  func littleEndian32(at offset: Int) -> UInt64 {
    UInt64(UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
  }
}
