/// An in-memory map from LSH band key to the first record that had it, for near-duplicate
/// search inside one input. Open addressing with linear probing over one flat array of 64-bit
/// slots: the upper half holds 32 bits of the key, the lower half the record. Eight bytes a slot,
/// one cache line touched per probe. Keys that agree in those 32 bits are taken as equal; the
/// caller confirms every candidate by its signature, so such a collision costs one comparison.
struct BandTable {
  private var slots: [UInt64]
  private var mask: Int
  private(set) var count = 0

  init(capacity: Int = 1 << 16) {
    var size = 16
    while size < capacity { size <<= 1 }
    slots = [UInt64](repeating: 0, count: size)
    mask = size - 1
  }

  /// The upper half of a slot: never zero, so zero marks an empty slot.
  @inline(__always)
  private static func tag(_ key: UInt64) -> UInt64 { (key >> 32 | 1) << 32 }

  /// Where a key's probe starts: from the same 32 bits as its tag, so growing can rehash.
  @inline(__always)
  private func home(_ tag: UInt64) -> Int { Int(truncatingIfNeeded: tag >> 32) & mask }

  /// The record stored for `key`, if any.
  func first(_ key: UInt64) -> UInt32? {
    let tag = Self.tag(key)
    var slot = home(tag)
    while true {
      let found = slots[slot]
      if found == 0 { return nil }
      if found & 0xffff_ffff_0000_0000 == tag { return UInt32(truncatingIfNeeded: found) }
      slot = (slot + 1) & mask
    }
  }

  /// Stores `value` for `key` unless the key has a record already.
  mutating func insertIfAbsent(_ key: UInt64, _ value: UInt32) {
    if (count + 1) * 5 > slots.count * 4 { grow() }
    let tag = Self.tag(key)
    var slot = home(tag)
    while true {
      let found = slots[slot]
      if found & 0xffff_ffff_0000_0000 == tag { return }
      if found == 0 {
        slots[slot] = tag | UInt64(value)
        count += 1
        return
      }
      slot = (slot + 1) & mask
    }
  }

  private mutating func grow() {
    let old = slots
    slots = [UInt64](repeating: 0, count: old.count * 2)
    mask = slots.count - 1
    for entry in old where entry != 0 {
      var slot = home(entry)
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = entry
    }
  }
}
