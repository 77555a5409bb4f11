import Crypto
import Foundation

#if !_endian(little)
  #error("index segments are little-endian files mapped as they are")
#endif

/// One attribution index segment, its files mapped read-only: the token array, the suffix array,
/// the records, the vocabulary and the unigram counts (Docs/Formats.md).
///
/// Opening checks the manifest against the directory's name (the segment id) and every file's
/// size, and re-hashes the files it is asked to (`Rehash`); `verify()` re-hashes them all.
/// Searches read the mapped files directly: after the first queries the pages they touch stay in
/// the page cache.
public final class IndexSegment: @unchecked Sendable {
  public let id: Digest
  public let directory: String
  public let manifest: SegmentManifest
  /// The files re-hashed against the manifest when the segment was opened, sorted.
  public let rehashedFiles: [String]

  private let tokensFile: MappedFile
  private let suffixesFile: MappedFile
  private let recordsFile: MappedFile
  private let contributorsFile: MappedFile
  private let contributionsFile: MappedFile
  private let vocabularyFile: MappedFile
  private let countsFile: MappedFile

  /// Token ids by position; the last position is a separator (0).
  let text: PackedArray
  public let positionCount: Int
  /// Positions sorted by their suffixes, separators left out.
  let suffixes: PackedArray
  let suffixCount: Int
  private let vocabularyOffsets: UnsafePointer<UInt32>
  private let vocabularyIDs: UnsafePointer<UInt32>
  private let vocabularyBytes: UnsafeRawPointer?
  private let counts: UnsafePointer<UInt32>

  /// Opens the segment in `directory`, whose name is the segment id, re-hashing the files
  /// `rehash` names first.
  public init(directory: String, rehash: Rehash = .none) throws {
    self.directory = directory
    let manifestPath = "\(directory)/\(SegmentFiles.manifest)"
    let manifestBytes: Data
    do {
      manifestBytes = try FileSystem.read(manifestPath)
    } catch let error as SystemError where error.kind == .notFound {
      throw AttributionError.segmentMissing(path: directory)
    }
    id = Digest.of(manifestBytes)
    let name = (directory as NSString).lastPathComponent
    guard name == id.hex else {
      throw AttributionError.corruptSegment(
        path: directory, reason: "its manifest hashes to \(id.hex), not to its name")
    }
    do {
      manifest = try JSONDecoder().decode(SegmentManifest.self, from: manifestBytes)
    } catch {
      throw AttributionError.corruptSegment(
        path: directory, reason: "manifest.json: \(JSONDiagnostics.describe(error))")
    }
    guard manifest.format == SegmentManifest.formatName,
      manifest.version <= SegmentManifest.currentVersion
    else {
      throw AttributionError.unsupportedSegment(
        path: directory, format: manifest.format, version: manifest.version)
    }
    guard manifest.files.map(\.name) == manifest.expectedFileNames else {
      throw AttributionError.corruptSegment(
        path: directory, reason: "its manifest lists \(manifest.files.map(\.name))")
    }
    let arrays = SegmentFiles.arrays(version: manifest.version)
    let expected: [String: Int] = [
      arrays[0]: PackedArray.byteCount(count: manifest.positions, width: manifest.tokenWidth),
      arrays[1]: PackedArray.byteCount(count: manifest.tokens, width: manifest.suffixWidth),
      SegmentFiles.records: SegmentFiles.recordSize * manifest.records,
      SegmentFiles.contributors: 32 * manifest.contributors,
      SegmentFiles.contributions: 32 * manifest.contributions,
      SegmentFiles.counts: 4 * (manifest.vocabulary + 1),
    ]
    var mapped = [String: MappedFile]()
    for file in manifest.files {
      let path = "\(directory)/\(file.name)"
      let map: MappedFile
      do {
        map = try MappedFile(path: path)
      } catch let error as SystemError where error.kind == .notFound {
        throw AttributionError.corruptSegment(path: directory, reason: "\(file.name) is missing")
      }
      guard map.bytes.count == file.bytes, expected[file.name].map({ $0 == file.bytes }) ?? true
      else {
        throw AttributionError.corruptSegment(
          path: directory,
          reason: "\(file.name) has \(map.bytes.count) bytes; its manifest says \(file.bytes)")
      }
      mapped[file.name] = map
    }
    tokensFile = mapped[arrays[0]]!
    suffixesFile = mapped[arrays[1]]!
    recordsFile = mapped[SegmentFiles.records]!
    contributorsFile = mapped[SegmentFiles.contributors]!
    contributionsFile = mapped[SegmentFiles.contributions]!
    vocabularyFile = mapped[SegmentFiles.vocabulary]!
    countsFile = mapped[SegmentFiles.counts]!

    positionCount = manifest.positions
    suffixCount = manifest.tokens
    text = PackedArray(base: UnsafeRawPointer(Self.words(tokensFile)), width: manifest.tokenWidth)
    suffixes = PackedArray(
      base: UnsafeRawPointer(Self.words(suffixesFile)), width: manifest.suffixWidth)
    counts = Self.words(countsFile)
    let vocabulary = manifest.vocabulary
    let tableBytes = 4 * (2 * vocabulary + 1)
    guard vocabularyFile.bytes.count >= tableBytes else {
      throw AttributionError.corruptSegment(path: directory, reason: "vocabulary.bin is too short")
    }
    vocabularyOffsets = Self.words(vocabularyFile)
    vocabularyIDs = vocabularyOffsets + (vocabulary + 1)
    vocabularyBytes = vocabularyFile.bytes.baseAddress.map { $0 + tableBytes }
    guard Int(vocabularyOffsets[vocabulary]) == vocabularyFile.bytes.count - tableBytes else {
      throw AttributionError.corruptSegment(
        path: directory, reason: "vocabulary.bin's offsets do not match its size")
    }
    // Every search stops at a separator at the latest: the text must end with one.
    guard positionCount == 0 || text[positionCount - 1] == 0 else {
      throw AttributionError.corruptSegment(
        path: directory, reason: "\(arrays[0]) does not end with a separator")
    }
    rehashedFiles = rehash.files(version: manifest.version)
    try verify(files: rehashedFiles)
    if let reason = tablesProblem() {
      throw AttributionError.corruptSegment(path: directory, reason: reason)
    }
  }

  /// What makes the tables point outside the segment's files, if anything: vocabulary offsets
  /// that go backwards, a record that starts before the previous one ends or past the token
  /// array, a contributor or contribution index past its table, tokens outside any record.
  /// Queries index the mapped files with these numbers unchecked; a damaged segment whose
  /// manifest was made to agree with it must be refused here, not read out of bounds. One pass
  /// over the small tables (a few per cent of a segment's bytes).
  private func tablesProblem() -> String? {
    for index in 0..<manifest.vocabulary
    where vocabularyOffsets[index] > vocabularyOffsets[index + 1] {
      return "vocabulary.bin's offset \(index + 1) is below the one before it"
    }
    if recordCount == 0 {
      return positionCount == 0 ? nil : "tokens.u32 holds tokens but records.bin no records"
    }
    guard recordStart(0) == 0 else { return "record 0 does not start at position 0" }
    for index in 0..<recordCount {
      // A record holds at least its separator: the next one starts after it.
      let end = index + 1 < recordCount ? recordStart(index + 1) : positionCount
      guard recordStart(index) < end else {
        return "record \(index) starts at \(recordStart(index)), not before \(end)"
      }
      guard recordField(index, 1) < manifest.contributors else {
        return
          "record \(index) names contributor \(recordField(index, 1)) of \(manifest.contributors)"
      }
      guard recordField(index, 2) < manifest.contributions else {
        return
          "record \(index) names contribution \(recordField(index, 2)) of \(manifest.contributions)"
      }
    }
    return nil
  }

  /// Stands in for an empty file's words, which are never read.
  nonisolated(unsafe) private static let emptyFile = UnsafeMutablePointer<UInt32>.allocate(
    capacity: 1)

  private static func words(_ file: MappedFile) -> UnsafePointer<UInt32> {
    guard let base = file.bytes.baseAddress else { return UnsafePointer(emptyFile) }
    return base.assumingMemoryBound(to: UInt32.self)
  }

  /// Re-hashes every file and compares with the manifest.
  public func verify() throws {
    try verify(files: manifest.expectedFileNames)
  }

  /// Re-hashes the files named `names` and compares with the manifest.
  private func verify(files names: [String]) throws {
    for file in manifest.files where names.contains(file.name) {
      let map: MappedFile
      switch file.name {
      case SegmentFiles.tokens, SegmentFiles.tokensVersion1: map = tokensFile
      case SegmentFiles.suffixes, SegmentFiles.suffixesVersion1: map = suffixesFile
      case SegmentFiles.records: map = recordsFile
      case SegmentFiles.contributors: map = contributorsFile
      case SegmentFiles.contributions: map = contributionsFile
      case SegmentFiles.vocabulary: map = vocabularyFile
      default: map = countsFile
      }
      var hasher = SHA256()
      hasher.update(bufferPointer: map.bytes)
      let actual = Digest(bytes: hasher.finalize())
      guard actual == file.sha256 else {
        throw AttributionError.corruptSegment(
          path: directory, reason: "\(file.name) hashes to \(actual.hex), not \(file.sha256.hex)")
      }
    }
  }

  // MARK: - Records

  public var recordCount: Int { manifest.records }
  public var tokenCount: Int { manifest.tokens }

  /// The id of record `index` (records are numbered in id order).
  public func recordID(_ index: Int) -> RecordID {
    RecordID(
      bytes: UnsafeRawBufferPointer(
        start: recordsFile.bytes.baseAddress! + index * SegmentFiles.recordSize, count: 32))
  }

  private func recordField(_ index: Int, _ field: Int) -> Int {
    Int(
      UInt32(
        littleEndian: recordsFile.bytes.loadUnaligned(
          fromByteOffset: index * SegmentFiles.recordSize + 32 + 4 * field, as: UInt32.self)))
  }

  /// The first token position of record `index`.
  func recordStart(_ index: Int) -> Int { recordField(index, 0) }

  /// The token positions of record `index`, its separator not included.
  public func recordRange(_ index: Int) -> Range<Int> {
    let end = index + 1 < recordCount ? recordStart(index + 1) : positionCount
    return recordStart(index)..<(end - 1)
  }

  /// The account credited for record `index`.
  public func contributor(ofRecord index: Int) -> AccountID {
    AccountID(hex: Hex.encode(slice(contributorsFile, recordField(index, 1))))!
  }

  /// The contribution that brought record `index`.
  public func contribution(ofRecord index: Int) -> Digest {
    Digest(bytes: slice(contributionsFile, recordField(index, 2)))
  }

  private func slice(_ file: MappedFile, _ index: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: file.bytes.baseAddress! + 32 * index, count: 32)
  }

  /// The index of the record with id `id`, if the segment holds it.
  public func recordIndex(of id: RecordID) -> Int? {
    var low = 0
    var high = recordCount
    while low < high {
      let middle = (low + high) / 2
      if recordID(middle) < id { low = middle + 1 } else { high = middle }
    }
    return low < recordCount && recordID(low) == id ? low : nil
  }

  /// The record whose tokens include `position`.
  func record(containing position: Int) -> Int {
    var low = 0
    var high = recordCount
    while high - low > 1 {
      let middle = (low + high) / 2
      if recordStart(middle) <= position { low = middle } else { high = middle }
    }
    return low
  }

  // MARK: - Vocabulary

  /// The id of the token whose normalized bytes are `bytes`, or nil when no record has it.
  public func tokenID(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
    var low = 0
    var high = manifest.vocabulary
    while low < high {
      let middle = (low + high) / 2
      if compareVocabulary(middle, bytes) < 0 { low = middle + 1 } else { high = middle }
    }
    guard low < manifest.vocabulary, compareVocabulary(low, bytes) == 0 else { return nil }
    return vocabularyIDs[low]
  }

  /// The normalized bytes of vocabulary entry `index` (in byte order) compared with `bytes`.
  private func compareVocabulary(_ index: Int, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    let start = Int(vocabularyOffsets[index])
    let length = Int(vocabularyOffsets[index + 1]) - start
    let common = min(length, bytes.count)
    if common > 0 {
      let order = memcmp(vocabularyBytes! + start, bytes.baseAddress!, common)
      if order != 0 { return order }
    }
    return length < bytes.count ? -1 : (length > bytes.count ? 1 : 0)
  }

  /// How often the token with id `id` occurs in the segment's records.
  public func unigramCount(_ id: UInt32) -> Int {
    Int(id) <= manifest.vocabulary ? Int(counts[Int(id)]) : 0
  }

  /// The vocabulary in byte order: each token's normalized text and its count.
  public func vocabulary() -> [(token: String, count: Int)] {
    (0..<manifest.vocabulary).map { index in
      let start = Int(vocabularyOffsets[index])
      let bytes = UnsafeRawBufferPointer(
        start: vocabularyBytes! + start, count: Int(vocabularyOffsets[index + 1]) - start)
      return (String(decoding: bytes, as: UTF8.self), unigramCount(vocabularyIDs[index]))
    }
  }

  /// The token id at `position` of the token array (0 for a separator): for tools that read
  /// the array, whatever its format version.
  public func token(at position: Int) -> UInt32 { text[position] }

  /// The position of the suffix of rank `rank` in the suffix array: for tools that read the
  /// array, whatever its format version.
  public func suffix(atRank rank: Int) -> Int { position(ofRank: rank) }

  // MARK: - Search

  /// The position of the suffix of rank `rank`.
  @inline(__always)
  func position(ofRank rank: Int) -> Int {
    // A damaged entry reads as the final separator: an empty suffix, never out of bounds.
    min(Int(suffixes[rank]), positionCount - 1)
  }

  /// Compares the suffix at `position` with `query`, from token `start` on, both known to agree
  /// before it: the length of their common prefix, and whether the suffix sorts before `query`.
  /// Query ids are never 0, so the separator that ends every record stops the comparison.
  @inline(__always)
  private func compare(
    _ position: Int, _ query: UnsafeBufferPointer<UInt32>, from start: Int
  ) -> (common: Int, suffixIsSmaller: Bool) {
    var k = start
    while k < query.count {
      let t = text[position &+ k]
      let q = query[k]
      if t != q { return (k, t < q) }
      k += 1
    }
    return (query.count, false)
  }

  /// The longest prefix of `query` that occurs in the segment (its length in tokens, 0 when even
  /// the first token does not occur), and a suffix-array rank where it occurs.
  ///
  /// One binary search for where `query` would sort: the longest match is the longer common
  /// prefix with the two neighbours there. Each step skips the prefix that the bounds share with
  /// the query (Manber and Myers).
  ///
  /// Each step is two dependent cache misses, the suffix-array entry and then the text it
  /// points to. So each step first prefetches for the next two: the suffix-array entries of the
  /// four ranks the step after next may probe, and the text of the two the next step may probe
  /// (their entries were prefetched a step ago), where its comparison will start at the
  /// earliest. Their misses overlap this step's. Prefetches, not loads: the branch on the
  /// comparison stays a branch the CPU runs ahead of, which loading both sides and selecting
  /// one would stop (Docs/Benchmarks.md).
  func longestPrefix(of query: UnsafeBufferPointer<UInt32>) -> (length: Int, rank: Int) {
    var low = 0
    var high = suffixCount
    var lowCommon = 0
    var highCommon = 0
    while low < high {
      let middle = (low + high) >> 1
      // The next step probes `left` or `right`, the one after one of the four below. `right`
      // may be `suffixCount`, read clamped; a prefetch past an array never faults.
      let left = (low &+ middle) >> 1
      let right = (middle &+ 1 &+ high) >> 1
      let skip = min(lowCommon, highCommon)
      text.prefetch(Int(suffixes[left]) &+ skip)
      text.prefetch(Int(suffixes[min(right, suffixCount - 1)]) &+ skip)
      suffixes.prefetch((low &+ left) >> 1)
      suffixes.prefetch((left &+ 1 &+ middle) >> 1)
      suffixes.prefetch((middle &+ 1 &+ right) >> 1)
      suffixes.prefetch((right &+ 1 &+ high) >> 1)
      let (common, smaller) = compare(
        position(ofRank: middle), query, from: min(lowCommon, highCommon))
      if smaller {
        low = middle + 1
        lowCommon = common
      } else {
        high = middle
        highCommon = common
      }
    }
    let below = low > 0 ? lowCommon : 0
    let above = low < suffixCount ? highCommon : 0
    return below >= above ? (below, low - 1) : (above, low)
  }

  /// Whether the suffix of rank `rank` starts with `query`.
  @inline(__always)
  private func hasPrefix(_ rank: Int, _ query: UnsafeBufferPointer<UInt32>) -> Bool {
    compare(position(ofRank: rank), query, from: 0).common == query.count
  }

  /// The suffix-array ranks whose suffixes start with `query`, given one such rank `anchor`;
  /// nil when there are more than `limit`. Galloping out from the anchor keeps the cost
  /// logarithmic in the number of occurrences, not in the segment's size.
  func occurrences(
    of query: UnsafeBufferPointer<UInt32>, around anchor: Int, limit: Int
  ) -> Range<Int>? {
    guard
      let lower = farthestRank(
        withPrefix: query, from: anchor, direction: -1, counted: 0, limit: limit),
      let upper = farthestRank(
        withPrefix: query, from: anchor, direction: 1, counted: anchor - lower, limit: limit)
    else { return nil }
    return lower..<(upper + 1)
  }

  /// The rank farthest from `anchor` in `direction` (-1 or 1) whose suffix starts with `query`;
  /// nil when the ranks with the prefix from `anchor` to it, plus `counted` others, are more
  /// than `limit`. Gallops out from the anchor, then bisects between the last rank found with
  /// the prefix and the first without it.
  private func farthestRank(
    withPrefix query: UnsafeBufferPointer<UInt32>, from anchor: Int, direction: Int,
    counted: Int, limit: Int
  ) -> Int? {
    // The answer is `inside` or lies between it and `outside`, the nearest rank known to be
    // without the prefix (or just past the ends of the array).
    var inside = anchor
    var outside = direction < 0 ? -1 : suffixCount
    var step = 1
    while step < abs(outside - anchor) {
      let probe = anchor + direction * step
      if hasPrefix(probe, query) {
        inside = probe
        if abs(inside - anchor) + 1 + counted > limit { return nil }
        step <<= 1
      } else {
        outside = probe
        break
      }
    }
    while abs(outside - inside) > 1 {
      let middle = (inside + outside) >> 1
      if hasPrefix(middle, query) { inside = middle } else { outside = middle }
    }
    if abs(inside - anchor) + 1 + counted > limit { return nil }
    return inside
  }

  /// The number of occurrences of `query` in the segment (0 for an empty query or no match).
  public func count(_ query: UnsafeBufferPointer<UInt32>) -> Int {
    range(of: query)?.count ?? 0
  }

  /// The suffix-array ranks of the occurrences of `query`, or nil when it does not occur (or is
  /// empty).
  func range(of query: UnsafeBufferPointer<UInt32>) -> Range<Int>? {
    guard !query.isEmpty else { return nil }
    let (length, rank) = longestPrefix(of: query)
    guard length == query.count else { return nil }
    return occurrences(of: query, around: rank, limit: Int.max)
  }
}
