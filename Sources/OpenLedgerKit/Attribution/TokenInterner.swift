import Foundation

/// The tokens of a segment being built: each normalized token is interned to a provisional id
/// (in order of first appearance) and appended to one growing array of ids, with a count per id.
///
/// A value type over manually managed memory, so that the tokenizer's loop can take it `inout`
/// without a class's exclusivity checks on every token. Exactly one owner holds it and calls
/// `deallocate()` once; copies must not outlive a move (`SegmentBuilder` moves it into the
/// tokenizer and back).
struct TokenInterner: TokenSink {
  typealias Failure = Never

  private static let hasher = StableHash(seed: 0x6f6c_6174_7472_6962)

  /// One slot of the hash table, 16 bytes. A token of at most 7 bytes is its own key (its
  /// bytes, and its length in the top byte), so finding it touches this slot alone; a longer
  /// token's key is its hash with the top byte 0xff, and its bytes are compared in the arena.
  /// The count lives here too, so counting a token costs nothing more.
  private struct Slot {
    var key: UInt64
    /// Provisional id + 1; 0 marks an empty slot.
    var id: UInt32
    var count: UInt32
  }

  /// The bytes of every distinct token, back to back.
  private var arena: UnsafeMutablePointer<UInt8>
  private var arenaCount = 0
  private var arenaCapacity: Int
  /// Per provisional id: where its bytes start in the arena, and their count.
  private var offsets: UnsafeMutablePointer<UInt32>
  private var lengths: UnsafeMutablePointer<UInt32>
  private(set) var distinctCount = 0
  private var distinctCapacity: Int
  /// Open addressing, linear probing, at most half full.
  private var slots: UnsafeMutablePointer<Slot>
  private var slotBits: Int

  /// The provisional ids of all tokens, in order.
  private(set) var tokens: UnsafeMutablePointer<UInt32>
  private(set) var tokenCount = 0
  private var tokenCapacity: Int

  init() {
    arenaCapacity = 1 << 16
    arena = .allocate(capacity: arenaCapacity)
    distinctCapacity = 1 << 12
    offsets = .allocate(capacity: distinctCapacity)
    lengths = .allocate(capacity: distinctCapacity)
    slotBits = 13
    slots = .allocate(capacity: 1 << slotBits)
    slots.initialize(repeating: Slot(key: 0, id: 0, count: 0), count: 1 << slotBits)
    tokenCapacity = 1 << 16
    tokens = .allocate(capacity: tokenCapacity)
  }

  /// Frees the memory; the value must not be used afterwards.
  func deallocate() {
    arena.deallocate()
    offsets.deallocate()
    lengths.deallocate()
    slots.deallocate()
    tokens.deallocate()
  }

  /// Frees the token array early, once it has been copied out, to lower peak memory.
  mutating func releaseTokens() {
    tokens.deallocate()
    tokens = .allocate(capacity: 1)
    tokenCount = 0
    tokenCapacity = 1
  }

  /// The normalized bytes of provisional id `id`.
  func bytes(of id: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: arena + Int(offsets[id]), count: Int(lengths[id]))
  }

  /// How often each provisional id occurred, indexed by id.
  func counts() -> [UInt32] {
    var counts = [UInt32](repeating: 0, count: distinctCount)
    for index in 0..<(1 << slotBits) where slots[index].id != 0 {
      counts[Int(slots[index].id - 1)] = slots[index].count
    }
    return counts
  }

  @inline(__always)
  mutating func take(_ kind: TokenKind, _ normalized: UnsafeRawBufferPointer, _ range: Range<Int>) {
    let id = intern(normalized)
    if tokenCount == tokenCapacity { growTokens() }
    tokens[tokenCount] = id
    tokenCount += 1
  }

  /// The key of `bytes` in the table.
  @inline(__always)
  private static func key(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let length = bytes.count
    if length <= 7 {
      var packed: UInt64 = 0
      if length > 0 { memcpy(&packed, bytes.baseAddress!, length) }
      return UInt64(littleEndian: packed) | UInt64(length) << 56
    }
    return hasher.hash(bytes) | 0xff00_0000_0000_0000
  }

  @inline(__always)
  private func slotIndex(_ key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> UInt64(64 - slotBits))
  }

  /// The provisional id of `bytes`, assigned now if it is new; counts one occurrence.
  @inline(__always)
  mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    let key = Self.key(bytes)
    let mask = (1 << slotBits) - 1
    var index = slotIndex(key)
    while true {
      let slot = slots[index]
      if slot.id == 0 { break }
      if slot.key == key {
        let id = Int(slot.id - 1)
        if bytes.count <= 7
          || (Int(lengths[id]) == bytes.count
            && memcmp(arena + Int(offsets[id]), bytes.baseAddress!, bytes.count) == 0)
        {
          slots[index].count += 1
          return UInt32(id)
        }
      }
      index = (index + 1) & mask
    }
    return insert(bytes, key: key, slot: index)
  }

  @inline(never)
  private mutating func insert(_ bytes: UnsafeRawBufferPointer, key: UInt64, slot: Int) -> UInt32 {
    if distinctCount == distinctCapacity { growDistinct() }
    if arenaCount + bytes.count > arenaCapacity { growArena(to: arenaCount + bytes.count) }
    precondition(arenaCount + bytes.count <= Int(UInt32.max), "vocabulary bytes exceed 4 GiB")
    let id = distinctCount
    if let source = bytes.baseAddress, bytes.count > 0 {
      (arena + arenaCount).update(
        from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }
    offsets[id] = UInt32(arenaCount)
    lengths[id] = UInt32(bytes.count)
    arenaCount += bytes.count
    distinctCount += 1
    slots[slot] = Slot(key: key, id: UInt32(id + 1), count: 1)
    if distinctCount * 2 > 1 << slotBits { rehash() }
    return UInt32(id)
  }

  private mutating func growTokens() {
    let grown = tokenCapacity * 2
    let larger = UnsafeMutablePointer<UInt32>.allocate(capacity: grown)
    larger.update(from: tokens, count: tokenCount)
    tokens.deallocate()
    tokens = larger
    tokenCapacity = grown
  }

  private mutating func growArena(to needed: Int) {
    let grown = max(needed, arenaCapacity * 2)
    let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
    larger.update(from: arena, count: arenaCount)
    arena.deallocate()
    arena = larger
    arenaCapacity = grown
  }

  private mutating func growDistinct() {
    let grown = distinctCapacity * 2
    func grow(_ pointer: inout UnsafeMutablePointer<UInt32>) {
      let larger = UnsafeMutablePointer<UInt32>.allocate(capacity: grown)
      larger.update(from: pointer, count: distinctCount)
      pointer.deallocate()
      pointer = larger
    }
    grow(&offsets)
    grow(&lengths)
    distinctCapacity = grown
  }

  private mutating func rehash() {
    let old = slots
    let oldSize = 1 << slotBits
    slotBits += 1
    let size = 1 << slotBits
    slots = .allocate(capacity: size)
    slots.initialize(repeating: Slot(key: 0, id: 0, count: 0), count: size)
    for index in 0..<oldSize where old[index].id != 0 {
      var target = slotIndex(old[index].key)
      while slots[target].id != 0 { target = (target + 1) & (size - 1) }
      slots[target] = old[index]
    }
    old.deallocate()
  }
}
