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

  /// How long `write` spent sorting suffixes and writing files, for reports and benchmarks.
  public private(set) var suffixSortingTime: Duration = .zero
  public private(set) var fileWritingTime: Duration = .zero

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
    let provisionalCounts = interner.counts()
    let order = vocabularyOrder(provisionalCounts)
    pending.sort { $0.id < $1.id }

    // The token array in record-id order, with final ids and a separator after each record.
    let text = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: positions)
    defer { text.deallocate() }
    var starts = [UInt32]()
    starts.reserveCapacity(pending.count)
    var position = 0
    for record in pending {
      starts.append(UInt32(position))
      let source = interner.tokens + record.start
      for k in 0..<record.count {
        text[position + k] = order.finalID[Int(source[k])]
      }
      position += record.count
      text[position] = 0
      position += 1
    }
    interner.releaseTokens()

    let suffixes = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: positions)
    defer { suffixes.deallocate() }
    let clock = ContinuousClock()
    let sortingStart = clock.now
    SuffixArray.build(
      text: UnsafeBufferPointer(text), alphabetSize: interner.distinctCount + 1, into: suffixes)
    let writingStart = clock.now
    suffixSortingTime = writingStart - sortingStart
    defer { fileWritingTime = clock.now - writingStart }

    let staging = try makeStagingDirectory(in: stagingDirectory)
    var keepStaging = false
    defer { if !keepStaging { removeDirectory(staging) } }
    let files = SegmentFileWriter(directory: staging, stagingDirectory: stagingDirectory)
    var written = [SegmentManifest.File]()
    written.append(
      try files.write(SegmentFiles.tokens, UnsafeRawBufferPointer(text)))
    // Separators are the smallest symbol, so their suffixes are the first `records` entries.
    written.append(
      try files.write(
        SegmentFiles.suffixes,
        UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: suffixes[pending.count...]))))
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
    var counts = [UInt32](repeating: 0, count: interner.distinctCount + 1)
    counts[0] = UInt32(pending.count)
    for (provisional, count) in provisionalCounts.enumerated() {
      counts[Int(order.finalID[provisional])] = count
    }
    written.append(try counts.withUnsafeBytes { try files.write(SegmentFiles.counts, $0) })

    let manifest = SegmentManifest(
      format: SegmentManifest.formatName, version: SegmentManifest.currentVersion,
      tokens: positions - pending.count, records: pending.count,
      vocabulary: interner.distinctCount, contributors: contributors.count,
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
    let count = interner.distinctCount
    var byBytes = (0..<count).map { Int32($0) }
    let interner = self.interner
    byBytes.sort { a, b in
      let x = interner.bytes(of: Int(a))
      let y = interner.bytes(of: Int(b))
      let common = min(x.count, y.count)
      let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
      return order != 0 ? order < 0 : x.count < y.count
    }
    var byteRank = [Int32](repeating: 0, count: count)
    for (rank, id) in byBytes.enumerated() { byteRank[Int(id)] = Int32(rank) }
    var byFrequency = byBytes
    byFrequency.sort { a, b in
      let x = counts[Int(a)]
      let y = counts[Int(b)]
      return x != y ? x > y : byteRank[Int(a)] < byteRank[Int(b)]
    }
    var finalID = [UInt32](repeating: 0, count: count)
    for (rank, id) in byFrequency.enumerated() { finalID[Int(id)] = UInt32(rank + 1) }
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
    var offsets = [UInt32]()
    offsets.reserveCapacity(count + 1)
    var ids = [UInt32]()
    ids.reserveCapacity(count)
    var blob = Data()
    for provisional in order.byBytes {
      offsets.append(UInt32(blob.count))
      ids.append(order.finalID[Int(provisional)])
      blob.append(contentsOf: interner.bytes(of: Int(provisional)))
    }
    offsets.append(UInt32(blob.count))
    var data = Data(capacity: 4 * (2 * count + 1) + blob.count)
    offsets.withUnsafeBytes { data.append(contentsOf: $0) }
    ids.withUnsafeBytes { data.append(contentsOf: $0) }
    data.append(blob)
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

/// Writes a segment's files into its staging directory, each synced and hashed.
private struct SegmentFileWriter {
  let directory: String
  let stagingDirectory: String

  func write(_ name: String, _ data: Data) throws -> SegmentManifest.File {
    try data.withUnsafeBytes { try write(name, $0) }
  }

  func write(_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> SegmentManifest.File {
    let file = try StagedFile(in: stagingDirectory, mode: 0o444)
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
