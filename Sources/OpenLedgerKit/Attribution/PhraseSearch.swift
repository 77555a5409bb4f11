import Foundation
import GRDB

/// What `openledger count` and `openledger search` report: a phrase's occurrences in a
/// Datanet's index and the records holding it, each with the match in its context.
public struct PhraseSearch: Codable, Sendable, Equatable {
  /// A record holding the phrase, with its first match and the text around it.
  public struct Record: Codable, Sendable, Equatable {
    public var record: Digest
    public var contributor: AccountID
    public var contribution: Digest
    /// How many times the phrase occurs in the record.
    public var occurrences: Int
    /// The record's indexed text (its text fields, for JSON records) around the first match:
    /// up to `contextBytes` before and after it, cut at whitespace where there is some.
    public var before: String
    public var match: String
    public var after: String
  }

  public var datanet: Digest
  public var phrase: String
  /// The phrase's tokens, as the index compares them.
  public var tokens: [String]
  /// Occurrences in unmasked records, over all segments.
  public var occurrences: Int
  /// The records holding it, by record id (at most the limit asked for).
  public var records: [Record]
  /// Whether more records hold it than `records` lists.
  public var more: Bool

  /// Bytes of context on each side of a match.
  public static let contextBytes = 80
}

extension AttributionIndex {
  /// Phrase queries over the index's segments, with the Datanet's removed records masked. Each
  /// segment's tables are re-hashed first, as for `attributor()`.
  public func corpusQuery() throws -> CorpusQuery {
    let opened = try segments().map { segment in
      try IndexSegment(
        directory: "\(Self.directory(of: datanet.id, indexes: store.indexesDirectory))/"
          + segment.id.hex, rehash: .tables)
    }
    let removed = try DatanetRecords(store: store, datanet: datanet).removed()
    return CorpusQuery(segments: opened, removed: Set(removed.map(\.record)))
  }

  /// How often `phrase` occurs in the index, and (with `limit` above 0) the first `limit`
  /// records holding it by record id, each with its first match in context.
  public func search(_ phrase: String, limit: Int, query: CorpusQuery? = nil) throws
    -> PhraseSearch
  {
    let query = try query ?? corpusQuery()
    let found: (matches: [CorpusQuery.Match], more: Bool) =
      limit > 0 ? query.search(phrase, limit: limit) : ([], false)
    var records = [PhraseSearch.Record]()
    var text = RecordText(schema: datanet.schema)
    let length = CorpusQuery.tokens(of: phrase).count
    for match in found.matches {
      let indexed = try indexedText(of: match.record, text: &text)
      let context = Self.context(
        of: match.firstToken..<(match.firstToken + length), in: indexed,
        bytes: PhraseSearch.contextBytes)
      records.append(
        PhraseSearch.Record(
          record: match.record.digest, contributor: match.contributor,
          contribution: match.contribution, occurrences: match.occurrences,
          before: context.before, match: context.match, after: context.after))
    }
    return PhraseSearch(
      datanet: datanet.id, phrase: phrase, tokens: CorpusQuery.tokens(of: phrase),
      occurrences: query.count(phrase), records: records, more: found.more)
  }

  /// The text the index holds for record `id`, read from its shard: the record's bytes are
  /// sliced where the catalog says and checked against the id, so a shard is not read whole.
  private func indexedText(of id: RecordID, text: inout RecordText) throws -> [UInt8] {
    let location = try store.catalog.read(datanet: datanet.id) {
      db, num -> (shard: Digest, offset: Int, length: Int)? in
      guard
        let row = try Row.fetchOne(
          db,
          sql: """
            SELECT s.id AS shard, r.offset AS offset, r.length AS length FROM records r
            JOIN shards s ON s.num = r.shard WHERE r.datanet = ? AND r.id = ?
            """, arguments: [num, id.data]),
        let shard = Digest(hex: row["shard"])
      else { return nil }
      return (shard, row["offset"], row["length"])
    }
    guard let location else { throw StoreError.objectMissing(id.digest) }
    let file = try MappedFile(path: store.objects.path(for: location.shard))
    let range = location.offset..<(location.offset + location.length)
    if range.upperBound <= file.bytes.count {
      let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[range])
      if RecordID(of: bytes) == id { return text.extract(bytes) }
    }
    // The catalog's offset does not lead to the record's bytes: the shard is checked whole.
    let data = try store.objects.read(location.shard)
    var found: [UInt8]?
    try? ShardReader(data: data).forEachEntry { entry in
      if found == nil, case .record(let bytes, _) = entry, RecordID(of: bytes) == id {
        found = text.extract(bytes)
      }
    }
    guard let found else { throw StoreError.objectCorrupt(location.shard, actual: Digest.of(data)) }
    return found
  }

  /// The bytes of `text` that tokens `tokens` cover, with up to `bytes` bytes on each side, cut
  /// at whitespace where there is some and never inside a character.
  static func context(of tokens: Range<Int>, in text: [UInt8], bytes: Int) -> (
    before: String, match: String, after: String
  ) {
    var ranges = [Range<Int>]()
    text.withUnsafeBytes { buffer in
      Tokenizer.forEachToken(in: buffer) { _, _, range in ranges.append(range) }
    }
    guard tokens.lowerBound < ranges.count, tokens.upperBound <= ranges.count, !tokens.isEmpty
    else { return ("", "", "") }
    let start = ranges[tokens.lowerBound].lowerBound
    let end = ranges[tokens.upperBound - 1].upperBound
    let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x0a || byte == 0x09 || byte == 0x0d }
    // A side cut inside a word goes back to the word's edge.
    var from = max(0, start - bytes)
    if from > 0, !isSpace(text[from - 1]) {
      if let space = text[from..<start].firstIndex(where: isSpace) { from = space + 1 }
      while from < start, text[from] & 0xc0 == 0x80 { from += 1 }
    }
    var to = min(text.count, end + bytes)
    if to < text.count, !isSpace(text[to]) {
      if let space = text[end..<to].lastIndex(where: isSpace) { to = space }
      while to > end, to < text.count, text[to] & 0xc0 == 0x80 { to -= 1 }
    }
    let piece = { (range: Range<Int>) in String(decoding: text[range], as: UTF8.self) }
    return (piece(from..<start), piece(start..<end), piece(end..<to))
  }
}
