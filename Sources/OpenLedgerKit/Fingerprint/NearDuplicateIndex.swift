import Crypto
import Foundation

/// A MinHash signature kept compactly for near-duplicate search: the low 16 bits of each of the
/// 112 values (b-bit minwise hashing). Two unrelated values agree by chance with probability
/// 2^-16, so estimates of Jaccard similarity move by less than 0.0001.
public struct CompactSignature: Sendable, Equatable {
  public static let count = 112
  public static let bands = 14
  public static let rows = 8

  public var values: [UInt16]

  public init(values: [UInt16]) {
    precondition(values.count == Self.count)
    self.values = values
  }

  /// The 14 LSH band keys: each hashes its band's index with its 8 values.
  public var bandKeys: [UInt64] {
    values.withUnsafeBufferPointer { Self.bandKeys(of: $0) }
  }

  static func bandKeys(of values: UnsafeBufferPointer<UInt16>) -> [UInt64] {
    (0..<bands).map { band in bandKey(band, values) }
  }

  @inline(__always)
  static func bandKey(_ band: Int, _ values: UnsafeBufferPointer<UInt16>) -> UInt64 {
    let base = band * rows
    var low: UInt64 = 0
    var high: UInt64 = 0
    for row in 0..<4 {
      low |= UInt64(values[base + row]) << (16 * row)
      high |= UInt64(values[base + 4 + row]) << (16 * row)
    }
    return Mix64.combine(Mix64.combine(UInt64(band) &+ 0x6f70_656e_6c65_6467, low), high)
  }

  /// The share of positions where two signatures agree: an estimate of the Jaccard similarity
  /// of the two shingle sets.
  static func agreement(_ a: UnsafeBufferPointer<UInt16>, _ b: UnsafeBufferPointer<UInt16>)
    -> Double
  {
    var equal = 0
    for index in 0..<count where a[index] == b[index] { equal += 1 }
    return Double(equal) / Double(count)
  }

  public func estimatedJaccard(with other: CompactSignature) -> Double {
    values.withUnsafeBufferPointer { a in
      other.values.withUnsafeBufferPointer { b in Self.agreement(a, b) }
    }
  }
}

/// One file of a Datanet's near-duplicate index: the records it covers, their compact
/// signatures, and their band keys sorted for binary search.
///
/// Layout (little-endian): `OLNDSEG1`, u32 record count, u32 entry count; the record ids
/// (32 bytes each); the signatures (112 × u16 each); the entries, each u64 band key and u32
/// record index, sorted by key then index.
public struct NearDuplicateSegment {
  static let magic = Array("OLNDSEG1".utf8)
  static let headerSize = 16
  static let entrySize = 12

  let file: MappedFile
  public let recordCount: Int
  let entryCount: Int
  private let idsOffset: Int
  private let signaturesOffset: Int
  private let entriesOffset: Int

  public init(path: String) throws {
    do {
      file = try MappedFile(path: path)
    } catch let error as SystemError where error.code == ENOENT {
      throw NearDuplicateIndexError.missingSegment(path: path)
    }
    let bytes = file.bytes
    guard bytes.count >= Self.headerSize, Array(bytes[0..<8]) == Self.magic else {
      throw NearDuplicateIndexError.malformedSegment(path: path)
    }
    recordCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
    entryCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
    idsOffset = Self.headerSize
    signaturesOffset = idsOffset + 32 * recordCount
    entriesOffset = signaturesOffset + 2 * CompactSignature.count * recordCount
    guard bytes.count == entriesOffset + Self.entrySize * entryCount else {
      throw NearDuplicateIndexError.malformedSegment(path: path)
    }
  }

  func recordID(_ index: Int) -> RecordID {
    RecordID(
      bytes: UnsafeRawBufferPointer(
        rebasing: file.bytes[(idsOffset + 32 * index)..<(idsOffset + 32 * index + 32)]))
  }

  func signature(_ index: Int) -> UnsafeBufferPointer<UInt16> {
    let start = file.bytes.baseAddress! + signaturesOffset + 2 * CompactSignature.count * index
    return UnsafeBufferPointer(
      start: start.assumingMemoryBound(to: UInt16.self), count: CompactSignature.count)
  }

  @inline(__always)
  private func key(_ entry: Int) -> UInt64 {
    UInt64(
      littleEndian: file.bytes.loadUnaligned(
        fromByteOffset: entriesOffset + Self.entrySize * entry, as: UInt64.self))
  }

  @inline(__always)
  private func record(_ entry: Int) -> Int {
    Int(
      UInt32(
        littleEndian: file.bytes.loadUnaligned(
          fromByteOffset: entriesOffset + Self.entrySize * entry + 8, as: UInt32.self)))
  }

  /// The records that share band key `key`, lowest index first. An entry naming a record the
  /// file does not hold means the file is damaged (its name, the SHA-256 it was written under,
  /// is not checked when it is opened): that throws, rather than reading outside the file.
  func records(withKey key: UInt64, into out: inout [Int]) throws(NearDuplicateIndexError) {
    var low = 0
    var high = entryCount
    while low < high {
      let middle = (low + high) / 2
      if self.key(middle) < key { low = middle + 1 } else { high = middle }
    }
    while low < entryCount, self.key(low) == key {
      let record = record(low)
      guard record < recordCount else { throw .malformedSegment(path: file.path) }
      out.append(record)
      low += 1
    }
  }

  /// From how many records a segment is written around the file cache (about 28 MB).
  static let aroundCacheRecords = 1 << 16

  /// Writes a segment for `ids` and their `signatures` (112 values each, flat) into
  /// `directory` atomically, named by the SHA-256 of its bytes, and returns the file name.
  static func write(
    ids: [RecordID], signatures: [UInt16], into directory: String, stagingDirectory: String
  ) throws -> String {
    precondition(signatures.count == ids.count * CompactSignature.count)
    // The entries are sorted on other threads while the ids and signatures, which come first
    // in the file, are hashed and written.
    let entries = BackgroundTask { sortedEntries(signatures: signatures, count: ids.count) }
    let file = try StagedFile(in: stagingDirectory, mode: 0o444)
    // A large segment (a clone's, a large contribution's: 424 bytes a record) is not read again
    // soon enough to be worth the cache; a small one is merged right after.
    if ids.count >= aroundCacheRecords { file.writeAroundCache() }
    var hasher = SHA256()
    func emit(_ bytes: UnsafeRawBufferPointer) throws {
      hasher.update(bufferPointer: bytes)
      try file.write(bytes)
    }
    var header = magic
    withUnsafeBytes(of: UInt32(ids.count).littleEndian) { header.append(contentsOf: $0) }
    withUnsafeBytes(of: UInt32(ids.count * CompactSignature.bands).littleEndian) {
      header.append(contentsOf: $0)
    }
    try header.withUnsafeBytes { try emit($0) }
    var block = [UInt8]()
    block.reserveCapacity(32 * 8192)
    for start in stride(from: 0, to: ids.count, by: 8192) {
      block.removeAll(keepingCapacity: true)
      for id in ids[start..<min(ids.count, start + 8192)] {
        for word in [id.words.0, id.words.1, id.words.2, id.words.3] {
          withUnsafeBytes(of: word.bigEndian) { block.append(contentsOf: $0) }
        }
      }
      try block.withUnsafeBytes { try emit($0) }
    }
    // Signatures are stored little-endian, which is their layout in memory on every platform
    // Swift runs on today.
    try signatures.withUnsafeBytes { try emit($0) }
    try entries.value().withUnsafeBytes { try emit($0) }
    let name = "\(Digest(bytes: hasher.finalize()).hex).seg"
    try file.commit(to: "\(directory)/\(name)")
    return name
  }

  /// All (band key, record) entries, packed 12 bytes each and sorted by key then record: placed
  /// into 65,536 buckets by the key's top 16 bits (keys are uniform hashes), in record order;
  /// then each bucket, in parallel, is spread by the next 8 bits and finished by a stable
  /// insertion sort, which has next to nothing left to move. A bucket where many keys share
  /// those 24 bits (a crafted input could do that) is sorted by a comparison sort instead.
  static func sortedEntries(signatures: [UInt16], count: Int) -> [UInt8] {
    let bucketBits = 16
    let bucketCount = 1 << bucketBits
    let total = count * CompactSignature.bands
    // Counted and placed by several threads, each over its own stretch of records: a
    // thread's entries in a bucket go after those of the threads before it, so the order
    // within a bucket stays record order.
    let threads = count < 1 << 14 ? 1 : 4
    var counts = (0..<threads).map { _ in [Int](repeating: 0, count: bucketCount) }
    @Sendable func records(of thread: Int) -> Range<Int> {
      (thread * count / threads)..<((thread + 1) * count / threads)
    }
    signatures.withUnsafeBufferPointer { all in
      let all = UncheckedSendable(all)
      inParallel(&counts) { thread, mine in
        forEachBandKey(of: records(of: thread), in: all.value) { key, _ in
          mine[Int(key >> (64 - bucketBits))] += 1
        }
      }
    }
    // Where each bucket starts, and where each thread starts inside it.
    var starts = [Int](repeating: 0, count: bucketCount + 1)
    var next = counts
    var position = 0
    for bucket in 0..<bucketCount {
      starts[bucket] = position
      for thread in 0..<threads {
        next[thread][bucket] = position
        position += counts[thread][bucket]
      }
    }
    starts[bucketCount] = position
    var packed = [UInt8](repeating: 0, count: total * entrySize)
    packed.withUnsafeMutableBytes { out in
      signatures.withUnsafeBufferPointer { all in
        let shared = UncheckedSendable((all: all, out: out))
        inParallel(&next) { thread, mine in
          forEachBandKey(of: records(of: thread), in: shared.value.all) { key, record in
            let bucket = Int(key >> (64 - bucketBits))
            store(shared.value.out, mine[bucket], (key, UInt32(record)))
            mine[bucket] += 1
          }
        }
      }
      // Buckets are independent: they are sorted in parallel, in a few stretches of buckets.
      let stretches = 16
      let shared = UncheckedSendable((out: out, starts: starts))
      DispatchQueue.concurrentPerform(iterations: stretches) { stretch in
        let (out, starts) = shared.value
        var scratch = [(UInt64, UInt32)]()
        var spread = [Int](repeating: 0, count: 257)
        for bucket
          in (stretch * bucketCount / stretches)..<((stretch + 1) * bucketCount / stretches)
        {
          let range = starts[bucket]..<starts[bucket + 1]
          guard range.count > 1 else { continue }
          if range.count > 16 {
            scratch.removeAll(keepingCapacity: true)
            for entry in range { scratch.append(load(out, entry)) }
            // Counting sort on the 8 bits below the bucket's, stable.
            for index in spread.indices { spread[index] = 0 }
            for entry in scratch { spread[Int(entry.0 >> (56 - bucketBits)) & 0xff + 1] += 1 }
            var crowded = false
            for index in 1..<spread.count {
              crowded = crowded || spread[index] > 64
              spread[index] += spread[index - 1]
            }
            if crowded {
              scratch.sort { $0 < $1 }
              for (index, entry) in zip(range, scratch) { store(out, index, entry) }
              continue
            }
            for entry in scratch {
              let digit = Int(entry.0 >> (56 - bucketBits)) & 0xff
              store(out, range.lowerBound + spread[digit], entry)
              spread[digit] += 1
            }
          }
          sortNearlySorted(out, range)
        }
      }
    }
    return packed
  }

  /// Runs `body` on as many threads as there are `tables`, each thread with its own table.
  private static func inParallel(
    _ tables: inout [[Int]], _ body: @Sendable (Int, UnsafeMutableBufferPointer<Int>) -> Void
  ) {
    tables.withUnsafeMutableBufferPointer { tables in
      let shared = UncheckedSendable(tables)
      DispatchQueue.concurrentPerform(iterations: tables.count) { thread in
        shared.value[thread].withUnsafeMutableBufferPointer { body(thread, $0) }
      }
    }
  }

  /// Calls `body` with each band key of `records` and the record, in record then band order.
  @inline(__always)
  private static func forEachBandKey(
    of records: Range<Int>, in all: UnsafeBufferPointer<UInt16>, _ body: (UInt64, Int) -> Void
  ) {
    for record in records {
      let values = UnsafeBufferPointer(
        rebasing: all[(record * CompactSignature.count)..<((record + 1) * CompactSignature.count)])
      for band in 0..<CompactSignature.bands {
        body(CompactSignature.bandKey(band, values), record)
      }
    }
  }

  /// Sorts the entries of `range` by key, keeping the record order of equal keys (the order
  /// they were placed in, which is record order): an insertion sort, for entries already in
  /// order but for a few neighbours.
  @inline(__always)
  private static func sortNearlySorted(_ out: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
    guard range.count > 1 else { return }
    for index in (range.lowerBound + 1)..<range.upperBound {
      let entry = load(out, index)
      var hole = index
      while hole > range.lowerBound {
        let before = load(out, hole - 1)
        guard before.0 > entry.0 else { break }
        store(out, hole, before)
        hole -= 1
      }
      if hole != index { store(out, hole, entry) }
    }
  }

  @inline(__always)
  private static func load(_ out: UnsafeMutableRawBufferPointer, _ index: Int) -> (UInt64, UInt32) {
    (
      UInt64(littleEndian: out.loadUnaligned(fromByteOffset: index * entrySize, as: UInt64.self)),
      UInt32(
        littleEndian: out.loadUnaligned(fromByteOffset: index * entrySize + 8, as: UInt32.self))
    )
  }

  @inline(__always)
  private static func store(
    _ out: UnsafeMutableRawBufferPointer, _ index: Int, _ entry: (UInt64, UInt32)
  ) {
    out.storeBytes(of: entry.0.littleEndian, toByteOffset: index * entrySize, as: UInt64.self)
    out.storeBytes(of: entry.1.littleEndian, toByteOffset: index * entrySize + 8, as: UInt32.self)
  }
}

/// Failures of the near-duplicate index.
public enum NearDuplicateIndexError: OpenLedgerError {
  case malformedSegment(path: String)
  /// A file the catalog lists is not on disk.
  case missingSegment(path: String)

  public var kind: FailureKind { .ioError }

  public var description: String {
    switch self {
    case .malformedSegment(let path):
      "the near-duplicate index file \(path) is damaged; run `openledger rebuild-catalog` to rebuild it"
    case .missingSegment(let path):
      "the near-duplicate index file \(path) is listed in the catalog but missing; run "
        + "`openledger rebuild-catalog` to rebuild the index"
    }
  }
}

extension NearDuplicateSegment {
  /// Merges segments into one file in `directory`: records concatenated in order, entries
  /// merged. Returns the new file's name.
  static func merge(
    _ segments: [NearDuplicateSegment], into directory: String, stagingDirectory: String
  )
    throws -> String
  {
    var ids = [RecordID]()
    var signatures = [UInt16]()
    for segment in segments {
      for index in 0..<segment.recordCount {
        ids.append(segment.recordID(index))
        signatures.append(contentsOf: segment.signature(index))
      }
    }
    return try write(
      ids: ids, signatures: signatures, into: directory, stagingDirectory: stagingDirectory)
  }
}
