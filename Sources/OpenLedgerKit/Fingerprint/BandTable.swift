import Foundation

/// An in-memory map from LSH band key to the first record that had it, for near-duplicate
/// search inside one input. Open addressing with linear probing over one flat array of 64-bit
/// slots: the upper half holds 32 bits of the key, the lower half the record. Eight bytes a slot,
/// one cache line touched per probe. Keys that agree in those 32 bits are taken as equal; the
/// caller confirms every candidate by its signature, so such a collision costs one comparison.
///
/// A million records make 14 million keys and a table of 256 MiB, read at random: with 4 KiB
/// pages nearly every probe also misses the TLB. The slots are therefore mapped directly and
/// marked for transparent huge pages (2 MiB) where the kernel offers them.
final class BandTable {
  private var slots: UnsafeMutableBufferPointer<UInt64>
  private var mask: Int
  private(set) var count = 0

  init(capacity: Int = 1 << 16) {
    var size = 16
    while size < capacity { size <<= 1 }
    slots = Self.allocate(size)
    mask = size - 1
  }

  deinit {
    Self.release(slots)
  }

  /// Zeroed slots: an anonymous mapping, which the kernel zeroes page by page as it is touched.
  private static func allocate(_ count: Int) -> UnsafeMutableBufferPointer<UInt64> {
    let bytes = count * MemoryLayout<UInt64>.stride
    guard bytes >= 1 << 21,
      let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      mapped != MAP_FAILED
    else {
      let small = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: count)
      small.initialize(repeating: 0)
      return small
    }
    _ = madvise(mapped, bytes, MADV_HUGEPAGE)
    return UnsafeMutableBufferPointer(
      start: mapped.assumingMemoryBound(to: UInt64.self), count: count)
  }

  private static func release(_ slots: UnsafeMutableBufferPointer<UInt64>) {
    let bytes = slots.count * MemoryLayout<UInt64>.stride
    if bytes >= 1 << 21 {
      munmap(slots.baseAddress, bytes)
    } else {
      slots.deallocate()
    }
  }

  /// The upper half of a slot: never zero, so zero marks an empty slot.
  @inline(__always)
  private static func tag(_ key: UInt64) -> UInt64 { (key >> 32 | 1) << 32 }

  /// Where a key's probe starts: from the same 32 bits as its tag, so growing can rehash.
  @inline(__always)
  private func home(_ tag: UInt64) -> Int { Int(truncatingIfNeeded: tag >> 32) & mask }

  /// Writes the distinct records stored for `keys` into `out`, in the order of the keys, and
  /// returns how many there are.
  ///
  /// The home slot of every key is read first, in one pass: the reads do not depend on each
  /// other, so their cache misses overlap instead of coming one after another. In a table of
  /// millions of keys nearly every probe misses the cache, and this pass makes them cost about
  /// one miss instead of fourteen.
  func firstRecords(
    _ keys: UnsafeBufferPointer<UInt64>, into out: UnsafeMutableBufferPointer<UInt32>
  )
    -> Int
  {
    var occupied: UInt64 = 0
    for key in keys { occupied |= slots[home(Self.tag(key))] }
    guard occupied != 0 else { return 0 }
    var count = 0
    for key in keys {
      let tag = Self.tag(key)
      var slot = home(tag)
      while true {
        let found = slots[slot]
        if found == 0 { break }
        if found & 0xffff_ffff_0000_0000 == tag {
          let record = UInt32(truncatingIfNeeded: found)
          if !out[0..<count].contains(record) {
            out[count] = record
            count += 1
          }
          break
        }
        slot = (slot + 1) & mask
      }
    }
    return count
  }

  /// Stores `value` for `key` unless the key has a record already.
  func insertIfAbsent(_ key: UInt64, _ value: UInt32) {
    reserve(keys: count + 1)
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

  /// Makes room for `keys` keys in all (at most four fifths of the slots full), so that none
  /// of them makes the table grow again.
  func reserve(keys: Int) {
    var size = slots.count
    while keys * 5 > size * 4 { size <<= 1 }
    if size > slots.count { resize(size) }
  }

  private func resize(_ size: Int) {
    let old = slots
    slots = Self.allocate(size)
    mask = slots.count - 1
    for entry in old where entry != 0 {
      var slot = home(entry)
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = entry
    }
    Self.release(old)
  }
}
