import Crypto
import Foundation

/// Builds one attribution index segment from records: tokenizes their text, interns the tokens,
/// orders the records by id, sorts the suffixes, and writes the files of Docs/Formats.md.
///
/// The same records, added in any order, give the same bytes and so the same segment id.
public final class SegmentBuilder {
  /// A record added so far, with its tokens' place in the interner's array.
  private struct Pending {
    var id: RecordID
    var contributor: Int
    var contribution: Int
    var start: Int
    var count: Int
  }

  private var interner = TokenInterner()
  private var pending: [Pending] = []
  private var seen: Set<RecordID> = []
  private var contributorIndex: [AccountID: Int] = [:]
  private var contributionIndex: [Digest: Int] = [:]
  private var finished = false

  /// The wall time and this thread's CPU time of one phase of `write`.
  public struct PhaseTime: Sendable {
    public var wall: Duration = .zero
    public var cpu: Duration = .zero
  }

  /// How long `write` spent ordering the vocabulary and laying out the token array, sorting
  /// suffixes, and writing files, for reports and benchmarks.
  public private(set) var orderingTime = PhaseTime()
  public private(set) var suffixSortingTime = PhaseTime()
  public private(set) var fileWritingTime = PhaseTime()

  public init() {}

  deinit {
    interner.deallocate()
  }

  /// Records added (a repeated id is added once).
  public var recordCount: Int { pending.count }
  /// Tokens of the records added so far.
  public var tokenCount: Int { interner.tokenCount }
  /// Token positions the segment will have: the tokens and one separator per record.
  public var positionCount: Int { interner.tokenCount + pending.count }

  /// Adds a record: `text` is what attribution matches (for JSON records, their text fields).
  /// A record whose id was added already is skipped.
  public func add(
    record id: RecordID, contributor: AccountID, contribution: Digest,
    text: UnsafeRawBufferPointer
  ) {
    precondition(!finished, "a segment builder writes once")
    guard seen.insert(id).inserted else { return }
    let contributorNumber = number(contributor, in: &contributorIndex)
    let contributionNumber = number(contribution, in: &contributionIndex)
    let start = interner.tokenCount
    var sink = interner
    Tokenizer.scan(text, into: &sink)
    sink.flush()
    interner = sink
    pending.append(
      Pending(
        id: id, contributor: contributorNumber, contribution: contributionNumber, start: start,
        count: interner.tokenCount - start))
  }

  /// Adds a record whose text is `text`.
  public func add(record id: RecordID, contributor: AccountID, contribution: Digest, text: String) {
    var text = text
    text.withUTF8 {
      add(
        record: id, contributor: contributor, contribution: contribution,
        text: UnsafeRawBufferPointer($0))
    }
  }

  private func number<Key: Hashable>(_ key: Key, in table: inout [Key: Int]) -> Int {
    if let number = table[key] { return number }
    let number = table.count
    table[key] = number
    return number
  }

  /// Writes the segment into `parent/<segment id>/`: the files are staged in a new directory
  /// under `stagingDirectory` (on the same file system), synced, and the directory renamed into
  /// place. Returns the segment's id and manifest. A segment with the same id already in place
  /// is kept as it is (it holds the same bytes).
  public func write(into parent: String, stagingDirectory: String) throws -> (
    id: Digest, manifest: SegmentManifest
  ) {
    precondition(!finished, "a segment builder writes once")
    finished = true
    let positions = positionCount
    precondition(
      positions <= SuffixArray.maximumCount, "a segment holds at most 2^31 - 2 token positions")
    var phase = PhaseClock()
    let provisionalCounts = interner.counts()
    interner.releaseTable()
    let order = vocabularyOrder(provisionalCounts)
    pending.sort { $0.id < $1.id }

    // The token array in record-id order, with final ids and a separator after each record.
    let text = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: positions)
    var textAllocated = true
    defer { if textAllocated { text.deallocate() } }
    var starts = [UInt32]()
    starts.reserveCapacity(pending.count)
    var position = 0
    order.finalID.withUnsafeBufferPointer { finalID in
      for record in pending {
        starts.append(UInt32(position))
        let source = interner.tokens + record.start
        for k in 0..<record.count {
          text[position + k] = finalID[Int(source[k])]
        }
        position += record.count
        text[position] = 0
        position += 1
      }
    }
    // The interner's array, no longer needed, holds the suffixes: no fresh memory to touch.
    let suffixes = UnsafeMutableBufferPointer(
      start: interner.takeTokenStorage(capacity: positions), count: positions)
    defer { free(suffixes.baseAddress) }

    orderingTime = phase.lap()
    SuffixArray.build(
      text: UnsafeBufferPointer(text), alphabetSize: interner.distinctCount + 1, into: suffixes)
    suffixSortingTime = phase.lap()
    defer { fileWritingTime = phase.lap() }

    let staging = try makeStagingDirectory(in: stagingDirectory)
    var keepStaging = false
    defer { if !keepStaging { removeDirectory(staging) } }
    let files = SegmentFileWriter(directory: staging, stagingDirectory: stagingDirectory)
    var written = [SegmentManifest.File]()
    let vocabulary = interner.distinctCount
    // Each array packed to the bits its largest entry needs (Docs/Formats.md), over its own
    // memory where it fits: no longer needed unpacked, it spares a new buffer's fresh pages.
    func writePacked(_ name: String, _ values: UnsafeMutableBufferPointer<UInt32>, width: Int)
      throws
    {
      if let packed = PackedArray.packInPlace(values, width: width) {
        written.append(try files.write(name, packed))
        return
      }
      let packed = PackedArray.pack(UnsafeBufferPointer(values), width: width)
      defer { packed.deallocate() }
      written.append(try files.write(name, UnsafeRawBufferPointer(packed)))
    }
    try writePacked(SegmentFiles.tokens, text, width: PackedArray.width(toHold: vocabulary))
    // Freed before the next file, whose pages in the file cache can then reuse its memory.
    text.deallocate()
    textAllocated = false
    // Separators are the smallest symbol, so their suffixes are the first `records` entries.
    try writePacked(
      SegmentFiles.suffixes, UnsafeMutableBufferPointer(rebasing: suffixes[pending.count...]),
      width: PackedArray.width(toHold: max(positions - 1, 0)))
    let contributors = contributorIndex.keys.sorted()
    let contributions = contributionIndex.keys.sorted()
    written.append(
      try files.write(
        SegmentFiles.records, recordTable(starts: starts, contributors, contributions)))
    written.append(
      try files.write(SegmentFiles.contributors, Data(contributors.flatMap { $0.bytes })))
    written.append(
      try files.write(SegmentFiles.contributions, Data(contributions.flatMap { $0.bytes })))
    written.append(try files.write(SegmentFiles.vocabulary, vocabularyTable(order)))
    var counts = [UInt32](repeating: 0, count: vocabulary + 1)
    counts[0] = UInt32(pending.count)
    for (provisional, count) in provisionalCounts.enumerated() {
      counts[Int(order.finalID[provisional])] = count
    }
    written.append(try counts.withUnsafeBytes { try files.write(SegmentFiles.counts, $0) })

    let manifest = SegmentManifest(
      format: SegmentManifest.formatName, version: SegmentManifest.currentVersion,
      tokens: positions - pending.count, records: pending.count,
      vocabulary: vocabulary, contributors: contributors.count,
      contributions: contributions.count, files: written.sorted { $0.name < $1.name })
    let manifestBytes = try CanonicalEncoder.encode(manifest)
    _ = try files.write(SegmentFiles.manifest, manifestBytes)
    let id = Digest.of(manifestBytes)
    let destination = "\(parent)/\(id.hex)"
    try FileSystem.makeDirectory(parent)
    var damaged: String?
    if FileSystem.isDirectory(destination) {
      // The same segment, built before: kept when its files still hash to the manifest's; a
      // damaged one (altered on disk) is set aside and replaced by the new files.
      if (try? IndexSegment(directory: destination).verify()) != nil { return (id, manifest) }
      let aside = try makeStagingDirectory(in: stagingDirectory)
      guard rename(destination, aside) == 0 else {
        throw SystemError(
          "cannot set aside the damaged index segment", path: destination, code: errno)
      }
      damaged = aside
    }
    guard rename(staging, destination) == 0 else {
      throw SystemError("cannot move a finished index segment to", path: destination, code: errno)
    }
    if let damaged { removeDirectory(damaged) }
    keepStaging = true
    try FileSystem.syncDirectory(parent)
    return (id, manifest)
  }

  /// The final token ids: the most frequent token gets 1, ties in byte order, so the ids do not
  /// depend on the order records were added; and the provisional ids in byte order.
  private func vocabularyOrder(_ counts: [UInt32]) -> (finalID: [UInt32], byBytes: [Int32]) {
    /// A provisional id with its first eight bytes as a big-endian number (zero-padded), which
    /// settles most comparisons without reading the bytes.
    struct Keyed {
      var prefix: UInt64
      var id: Int32
    }
    let count = interner.distinctCount
    let interner = self.interner
    var keyed = (0..<count).map { id in
      let bytes = interner.bytes(of: id)
      var prefix: UInt64 = 0
      for (index, byte) in bytes.prefix(8).enumerated() {
        prefix |= UInt64(byte) << UInt64(56 - 8 * index)
      }
      return Keyed(prefix: prefix, id: Int32(id))
    }
    keyed.sort { a, b in
      if a.prefix != b.prefix { return a.prefix < b.prefix }
      let x = interner.bytes(of: Int(a.id))
      let y = interner.bytes(of: Int(b.id))
      let common = min(x.count, y.count)
      let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
      return order != 0 ? order < 0 : x.count < y.count
    }
    let byBytes = keyed.map(\.id)
    // Most frequent first, then by byte rank: one integer per token.
    var byFrequency = byBytes.enumerated().map { rank, id in
      UInt64(~counts[Int(id)]) << 32 | UInt64(rank)
    }
    byFrequency.sort()
    var finalID = [UInt32](repeating: 0, count: count)
    for (finalRank, key) in byFrequency.enumerated() {
      finalID[Int(byBytes[Int(key & 0xffff_ffff)])] = UInt32(finalRank + 1)
    }
    return (finalID, byBytes)
  }

  private func recordTable(starts: [UInt32], _ contributors: [AccountID], _ contributions: [Digest])
    -> Data
  {
    var contributorNumber = [Int](repeating: 0, count: contributors.count)
    for (rank, account) in contributors.enumerated() {
      contributorNumber[contributorIndex[account]!] = rank
    }
    var contributionNumber = [Int](repeating: 0, count: contributions.count)
    for (rank, id) in contributions.enumerated() {
      contributionNumber[contributionIndex[id]!] = rank
    }
    var data = Data(capacity: pending.count * SegmentFiles.recordSize)
    for (index, record) in pending.enumerated() {
      data.append(contentsOf: record.id.bytes)
      for value in [
        starts[index], UInt32(contributorNumber[record.contributor]),
        UInt32(contributionNumber[record.contribution]),
      ] {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    return data
  }

  private func vocabularyTable(_ order: (finalID: [UInt32], byBytes: [Int32])) -> Data {
    let count = order.byBytes.count
    var byteCount = 0
    for provisional in order.byBytes { byteCount += interner.bytes(of: Int(provisional)).count }
    var data = Data(count: 4 * (2 * count + 1) + byteCount)
    data.withUnsafeMutableBytes { table in
      var blob = 4 * (2 * count + 1)
      for (index, provisional) in order.byBytes.enumerated() {
        let bytes = interner.bytes(of: Int(provisional))
        table.storeBytes(
          of: UInt32(blob - 4 * (2 * count + 1)).littleEndian, toByteOffset: 4 * index,
          as: UInt32.self)
        table.storeBytes(
          of: order.finalID[Int(provisional)].littleEndian,
          toByteOffset: 4 * (count + 1 + index), as: UInt32.self)
        if let source = bytes.baseAddress, bytes.count > 0 {
          (table.baseAddress! + blob).copyMemory(from: source, byteCount: bytes.count)
        }
        blob += bytes.count
      }
      table.storeBytes(
        of: UInt32(byteCount).littleEndian, toByteOffset: 4 * count, as: UInt32.self)
    }
    return data
  }

  private func makeStagingDirectory(in stagingDirectory: String) throws -> String {
    var template = Array("\(stagingDirectory)/segment-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw SystemError(
        "cannot create a staging directory in", path: stagingDirectory, code: errno)
    }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }
}

/// Removes a directory of plain files (a staged or retired segment), ignoring what is missing.
func removeDirectory(_ path: String) {
  for name in (try? FileSystem.list(path)) ?? [] {
    try? FileSystem.remove("\(path)/\(name)")
  }
  rmdir(path)
}

/// Measures the phases of a build one after another.
private struct PhaseClock {
  private var wall = ContinuousClock.now
  private var cpu = PhaseClock.threadCPU()

  /// The time since the last lap (or since the clock was made).
  mutating func lap() -> SegmentBuilder.PhaseTime {
    let (wallNow, cpuNow) = (ContinuousClock.now, Self.threadCPU())
    defer { (wall, cpu) = (wallNow, cpuNow) }
    return SegmentBuilder.PhaseTime(wall: wallNow - wall, cpu: cpuNow - cpu)
  }

  private static func threadCPU() -> Duration {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
  }
}

/// Writes a segment's files into its staging directory, each synced and hashed.
private struct SegmentFileWriter {
  let directory: String
  let stagingDirectory: String

  func write(_ name: String, _ data: Data) throws -> SegmentManifest.File {
    try data.withUnsafeBytes { try write(name, $0) }
  }

  func write(_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> SegmentManifest.File {
    let file = try StagedFile(in: stagingDirectory, mode: 0o444)
    // Nothing reads the segment's files soon enough to be worth the cache.
    file.writeAroundCache()
    var hasher = SHA256()
    // In slices, so that hashing and writing a large file stream through the cache together.
    let slice = 8 << 20
    var offset = 0
    while offset < bytes.count {
      let part = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(offset + slice, bytes.count)])
      hasher.update(bufferPointer: part)
      try file.write(part)
      offset += part.count
    }
    try file.commit(to: "\(directory)/\(name)")
    return SegmentManifest.File(
      name: name, bytes: bytes.count, sha256: Digest(bytes: hasher.finalize()))
  }
}
