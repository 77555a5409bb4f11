/// An in-memory map from LSH band key to the first record that had it, for near-duplicate
/// search inside one input. Open addressing with linear probing over two flat arrays: about
/// 12 bytes a key, where a Dictionary would take several times that.
struct BandTable {
  private var keys: [UInt64]
  private var values: [UInt32]
  private var mask: Int
  private(set) var count = 0

  init(capacity: Int = 1 << 16) {
    var size = 16
    while size < capacity { size <<= 1 }
    keys = [UInt64](repeating: 0, count: size)
    values = [UInt32](repeating: 0, count: size)
    mask = size - 1
  }

  /// Keys are stored with their low bit set, so zero can mark an empty slot.
  @inline(__always)
  private static func stored(_ key: UInt64) -> UInt64 { key | 1 }

  /// The record stored for `key`, if any.
  func first(_ key: UInt64) -> UInt32? {
    let key = Self.stored(key)
    var slot = Int(truncatingIfNeeded: key >> 20) & mask
    while true {
      let found = keys[slot]
      if found == 0 { return nil }
      if found == key { return values[slot] }
      slot = (slot + 1) & mask
    }
  }

  /// Stores `value` for `key` unless the key has a record already.
  mutating func insertIfAbsent(_ key: UInt64, _ value: UInt32) {
    if (count + 1) * 10 > keys.count * 7 { grow() }
    let key = Self.stored(key)
    var slot = Int(truncatingIfNeeded: key >> 20) & mask
    while true {
      let found = keys[slot]
      if found == key { return }
      if found == 0 {
        keys[slot] = key
        values[slot] = value
        count += 1
        return
      }
      slot = (slot + 1) & mask
    }
  }

  private mutating func grow() {
    let oldKeys = keys
    let oldValues = values
    keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
    values = [UInt32](repeating: 0, count: oldKeys.count * 2)
    mask = keys.count - 1
    for index in oldKeys.indices where oldKeys[index] != 0 {
      var slot = Int(truncatingIfNeeded: oldKeys[index] >> 20) & mask
      while keys[slot] != 0 { slot = (slot + 1) & mask }
      keys[slot] = oldKeys[index]
      values[slot] = oldValues[index]
    }
  }
}
