/// The records of an input kept so far, by id, for finding exact duplicates inside the input:
/// an open-addressed table with linear probing, keyed by the first 64 bits of the id (bits of
/// a SHA-256, so uniform and needing no hashing of their own), holding each record's position.
/// A key found is confirmed against the full id, which the caller looks up by position.
///
/// A dictionary of ids costs a seeded SipHash per lookup and per insert and a rehash of every
/// entry each time it grows; for a million records this table does neither.
final class SeenRecords {
  private struct Slot {
    var key: UInt64
    /// The record's position plus one; zero marks an empty slot.
    var position: UInt32
  }

  private var slots: UnsafeMutableBufferPointer<Slot>
  private var mask: Int
  private(set) var count = 0

  init(capacity: Int = 1 << 12) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    slots = Self.allocate(size)
    mask = size - 1
  }

  deinit {
    slots.deallocate()
  }

  private static func allocate(_ count: Int) -> UnsafeMutableBufferPointer<Slot> {
    let slots = UnsafeMutableBufferPointer<Slot>.allocate(capacity: count)
    slots.initialize(repeating: Slot(key: 0, position: 0))
    return slots
  }

  /// The position of the record with `id`, if one was inserted; `idAt` gives the id of the
  /// record at a position.
  @inline(__always)
  func position(of id: RecordID, idAt: (Int) -> RecordID) -> Int? {
    let key = id.words.0
    var slot = Int(truncatingIfNeeded: key) & mask
    while true {
      let found = slots[slot]
      if found.position == 0 { return nil }
      if found.key == key {
        let position = Int(found.position) - 1
        if idAt(position) == id { return position }
      }
      slot = (slot + 1) & mask
    }
  }

  /// Adds the record at `position`, whose id the table does not hold.
  func insert(_ id: RecordID, at position: Int) {
    precondition(position < Int(UInt32.max), "too many records for one contribution")
    reserve(count + 1)
    place(Slot(key: id.words.0, position: UInt32(position + 1)))
    count += 1
  }

  private func place(_ entry: Slot) {
    var slot = Int(truncatingIfNeeded: entry.key) & mask
    while slots[slot].position != 0 { slot = (slot + 1) & mask }
    slots[slot] = entry
  }

  /// Makes room for `records` records in all (at most half the slots full), so that none of
  /// them makes the table grow again.
  func reserve(_ records: Int) {
    var size = slots.count
    while records * 2 > size { size <<= 1 }
    if size > slots.count { resize(size) }
  }

  private func resize(_ size: Int) {
    let old = slots
    slots = Self.allocate(size)
    mask = slots.count - 1
    for entry in old where entry.position != 0 { place(entry) }
    old.deallocate()
  }
}
