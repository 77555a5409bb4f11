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

  /// The bytes of every distinct token, back to back.
  private var arena: UnsafeMutablePointer<UInt8>
  private var arenaCount = 0
  private var arenaCapacity: Int
  /// Per provisional id: where its bytes start in the arena, their count, the high half of
  /// their hash (to skip most byte comparisons), and how often it occurred.
  private var offsets: UnsafeMutablePointer<UInt32>
  private var lengths: UnsafeMutablePointer<UInt32>
  private var hashes: UnsafeMutablePointer<UInt32>
  private(set) var counts: UnsafeMutablePointer<UInt32>
  private(set) var distinctCount = 0
  private var distinctCapacity: Int
  /// Open addressing, linear probing: provisional id + 1, or 0 for an empty slot.
  private var slots: UnsafeMutablePointer<UInt32>
  private var slotMask: Int

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
    hashes = .allocate(capacity: distinctCapacity)
    counts = .allocate(capacity: distinctCapacity)
    slotMask = (1 << 13) - 1
    slots = .allocate(capacity: slotMask + 1)
    slots.initialize(repeating: 0, count: slotMask + 1)
    tokenCapacity = 1 << 16
    tokens = .allocate(capacity: tokenCapacity)
  }

  /// Frees the memory; the value must not be used afterwards.
  func deallocate() {
    arena.deallocate()
    offsets.deallocate()
    lengths.deallocate()
    hashes.deallocate()
    counts.deallocate()
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

  @inline(__always)
  mutating func take(_ kind: TokenKind, _ normalized: UnsafeRawBufferPointer, _ range: Range<Int>) {
    let id = intern(normalized)
    counts[Int(id)] += 1
    if tokenCount == tokenCapacity { growTokens() }
    tokens[tokenCount] = id
    tokenCount += 1
  }

  /// The provisional id of `bytes`, assigned now if it is new.
  @inline(__always)
  mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    let hash = Self.hasher.hash(bytes)
    let tag = UInt32(truncatingIfNeeded: hash >> 32)
    let length = bytes.count
    var slot = Int(truncatingIfNeeded: hash) & slotMask
    while true {
      let entry = slots[slot]
      if entry == 0 { break }
      let id = Int(entry - 1)
      if hashes[id] == tag, Int(lengths[id]) == length,
        length == 0 || memcmp(arena + Int(offsets[id]), bytes.baseAddress!, length) == 0
      {
        return UInt32(id)
      }
      slot = (slot + 1) & slotMask
    }
    return insert(bytes, tag: tag, slot: slot)
  }

  @inline(never)
  private mutating func insert(_ bytes: UnsafeRawBufferPointer, tag: UInt32, slot: Int) -> UInt32 {
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
    hashes[id] = tag
    counts[id] = 0
    arenaCount += bytes.count
    distinctCount += 1
    slots[slot] = UInt32(id + 1)
    if distinctCount * 2 > slotMask + 1 { rehash() }
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
    grow(&hashes)
    grow(&counts)
    distinctCapacity = grown
  }

  private mutating func rehash() {
    let size = (slotMask + 1) * 2
    slots.deallocate()
    slots = .allocate(capacity: size)
    slots.initialize(repeating: 0, count: size)
    slotMask = size - 1
    for id in 0..<distinctCount {
      let hash = Self.hasher.hash(bytes(of: id))
      var slot = Int(truncatingIfNeeded: hash) & slotMask
      while slots[slot] != 0 { slot = (slot + 1) & slotMask }
      slots[slot] = UInt32(id + 1)
    }
  }
}
