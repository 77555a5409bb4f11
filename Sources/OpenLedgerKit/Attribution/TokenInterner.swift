import CPrefetch
import Foundation

/// The tokens of a segment being built: each normalized token is interned to a provisional id
/// (in order of first appearance) and appended to one growing array of ids, with a count per id.
///
/// A token of at most 23 bytes is its own key: its bytes in three 64-bit words with its length
/// in the top byte, so finding it compares one 32-byte slot of the hash table and touches no
/// other memory. A longer token's key is a hash of its bytes, which are then compared in the
/// arena. Rare tokens miss the cache in a table of millions of slots, so lookups are batched:
/// `take` computes a token's key and starts loading its slot, and the token is looked up
/// `window` tokens later, when the slot has arrived; meanwhile the tokenizer keeps working.
///
/// A value type over manually managed memory, so that the tokenizer's loop can take it `inout`
/// without a class's exclusivity checks on every token. Exactly one owner holds it and calls
/// `deallocate()` once; copies must not outlive a move (`SegmentBuilder` moves it into the
/// tokenizer and back). Call `flush()` after each text, before reading `tokenCount`.
struct TokenInterner: TokenSink {
  typealias Failure = Never

  /// The longest token that is its own key.
  static let inlineLimit = 23
  /// How many tokens wait for their slots: enough to cover a miss to memory.
  private static let window = 16
  private static let hasher = StableHash(seed: 0x6f6c_6174_7472_6962)

  /// A token's key: its bytes (zero-padded) and length in the top byte of `c`, or for a
  /// longer token its hash in `a` and 0xff in the top byte of `c` above its length.
  private struct Key: Equatable {
    var a: UInt64
    var b: UInt64
    var c: UInt64

    var isInline: Bool { c >> 56 != 0xff }

    /// Where the key's slot search starts, before reduction to the table's size.
    @inline(__always)
    var hash: UInt64 {
      var h = (a ^ 0x243f_6a88_85a3_08d3) &* 0x9e37_79b9_7f4a_7c15
      h = (h ^ h >> 29 ^ b) &* 0xbf58_476d_1ce4_e5b9
      h = (h ^ h >> 32 ^ c) &* 0x94d0_49bb_1331_11eb
      return h ^ h >> 29
    }
  }

  /// One slot of the hash table, 32 bytes, two to a cache line. The count lives here too, so
  /// counting a token costs nothing more.
  private struct Slot {
    var key: Key
    /// Provisional id + 1; 0 marks an empty slot.
    var id: UInt32
    var count: UInt32
  }

  /// A token waiting for its slot.
  private struct Waiting {
    var key: Key
    var hash: UInt64
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
  /// Tokens taken but not yet looked up, a ring of `window` entries.
  private var waiting: UnsafeMutablePointer<Waiting>
  private var waitingStart = 0
  private var waitingCount = 0

  /// The provisional ids of all tokens, in order; from `malloc`, so that it grows by `realloc`,
  /// which moves a large block's pages instead of copying them.
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
    slots.initialize(
      repeating: Slot(key: Key(a: 0, b: 0, c: 0), id: 0, count: 0), count: 1 << slotBits)
    waiting = .allocate(capacity: Self.window)
    tokenCapacity = 1 << 16
    tokens = Self.reallocate(nil, capacity: tokenCapacity)
  }

  /// Frees the memory; the value must not be used afterwards.
  func deallocate() {
    arena.deallocate()
    offsets.deallocate()
    lengths.deallocate()
    slots.deallocate()
    waiting.deallocate()
    free(tokens)
  }

  /// Frees the hash table once the counts are read, to lower peak memory: no more tokens can
  /// be taken.
  mutating func releaseTable() {
    slots.deallocate()
    slotBits = 0
    slots = .allocate(capacity: 1)
    slots.initialize(to: Slot(key: Key(a: 0, b: 0, c: 0), id: 0, count: 0))
  }

  /// Hands over the token array's memory, grown to `capacity` ids, for the caller to reuse and
  /// release with `free`; the interner is left with no tokens.
  mutating func takeTokenStorage(capacity: Int) -> UnsafeMutablePointer<UInt32> {
    let storage = Self.reallocate(tokens, capacity: max(capacity, 1))
    tokens = Self.reallocate(nil, capacity: 1)
    tokenCount = 0
    tokenCapacity = 1
    return storage
  }

  private static func reallocate(
    _ pointer: UnsafeMutablePointer<UInt32>?, capacity: Int
  ) -> UnsafeMutablePointer<UInt32> {
    guard let grown = realloc(pointer, capacity * MemoryLayout<UInt32>.stride) else {
      fatalError("out of memory for \(capacity) token ids")
    }
    return grown.assumingMemoryBound(to: UInt32.self)
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
    guard normalized.count <= Self.inlineLimit, let base = normalized.baseAddress else {
      flush()
      appendToken(lookUpLong(normalized))
      return
    }
    let key = Self.inlineKey(base, count: normalized.count)
    let hash = key.hash
    ol_prefetch(slots + Int(truncatingIfNeeded: hash >> UInt64(64 - slotBits)))
    if waitingCount == Self.window {
      let oldest = waiting[waitingStart]
      appendToken(lookUp(oldest.key, hash: oldest.hash))
      waiting[waitingStart] = Waiting(key: key, hash: hash)
      waitingStart = (waitingStart + 1) & (Self.window - 1)
    } else {
      waiting[(waitingStart + waitingCount) & (Self.window - 1)] = Waiting(key: key, hash: hash)
      waitingCount += 1
    }
  }

  /// Looks up the tokens still waiting, in order.
  @inline(__always)
  mutating func flush() {
    while waitingCount > 0 {
      let oldest = waiting[waitingStart]
      appendToken(lookUp(oldest.key, hash: oldest.hash))
      waitingStart = (waitingStart + 1) & (Self.window - 1)
      waitingCount -= 1
    }
  }

  @inline(__always)
  private mutating func appendToken(_ id: UInt32) {
    if tokenCount == tokenCapacity { growTokens() }
    tokens[tokenCount] = id
    tokenCount += 1
  }

  /// The key of the `count` bytes at `base`, at most 23 and at least 1, read with overlapping
  /// loads that stay inside them.
  @inline(__always)
  private static func inlineKey(_ base: UnsafeRawPointer, count: Int) -> Key {
    var a: UInt64 = 0
    var b: UInt64 = 0
    var c: UInt64 = 0
    if count >= 8 {
      a = base.littleEndian64(at: 0)
      if count >= 16 {
        b = base.littleEndian64(at: 8)
        if count > 16 { c = base.littleEndian64(at: count - 8) >> UInt64(8 * (24 - count)) }
      } else if count > 8 {
        b = base.littleEndian64(at: count - 8) >> UInt64(8 * (16 - count))
      }
    } else if count >= 4 {
      a =
        base.littleEndian32(at: 0) | (base.littleEndian32(at: count - 4) >> UInt64(8 * (8 - count)))
        << 32
    } else {
      let bytes = base.assumingMemoryBound(to: UInt8.self)
      a =
        UInt64(bytes[0]) | UInt64(bytes[count >> 1]) << UInt64(8 * (count >> 1))
        | UInt64(bytes[count - 1]) << UInt64(8 * (count - 1))
    }
    return Key(a: a, b: b, c: c | UInt64(count) << 56)
  }

  /// The provisional id of the inline key `key`, assigned now if it is new; counts one
  /// occurrence.
  @inline(__always)
  private mutating func lookUp(_ key: Key, hash: UInt64) -> UInt32 {
    let mask = (1 << slotBits) - 1
    var index = Int(truncatingIfNeeded: hash >> UInt64(64 - slotBits))
    while true {
      let slot = slots + index
      if slot.pointee.id == 0 { break }
      if slot.pointee.key == key {
        slot.pointee.count += 1
        return slot.pointee.id - 1
      }
      index = (index + 1) & mask
    }
    var bytes = (key.a.littleEndian, key.b.littleEndian, key.c.littleEndian)
    return withUnsafeBytes(of: &bytes) {
      insert(UnsafeRawBufferPointer(rebasing: $0[0..<Int(key.c >> 56)]), key: key, slot: index)
    }
  }

  /// The provisional id of a token longer than `inlineLimit` bytes.
  @inline(never)
  private mutating func lookUpLong(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    let key = Key(a: Self.hasher.hash(bytes), b: 0, c: 0xff << 56 | UInt64(bytes.count))
    let mask = (1 << slotBits) - 1
    var index = Int(truncatingIfNeeded: key.hash >> UInt64(64 - slotBits))
    while true {
      let slot = slots + index
      if slot.pointee.id == 0 { break }
      if slot.pointee.key == key {
        let id = Int(slot.pointee.id - 1)
        if memcmp(arena + Int(offsets[id]), bytes.baseAddress!, bytes.count) == 0 {
          slot.pointee.count += 1
          return UInt32(id)
        }
      }
      index = (index + 1) & mask
    }
    return insert(bytes, key: key, slot: index)
  }

  @inline(never)
  private mutating func insert(_ bytes: UnsafeRawBufferPointer, key: Key, slot: Int) -> UInt32 {
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
    tokenCapacity *= 2
    tokens = Self.reallocate(tokens, capacity: tokenCapacity)
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
    slots.initialize(repeating: Slot(key: Key(a: 0, b: 0, c: 0), id: 0, count: 0), count: size)
    for index in 0..<oldSize where old[index].id != 0 {
      var target = Int(truncatingIfNeeded: old[index].key.hash >> UInt64(64 - slotBits))
      while slots[target].id != 0 { target = (target + 1) & (size - 1) }
      slots[target] = old[index]
    }
    old.deallocate()
  }
}
