import Foundation

/// Where a stored record came from: the input it was read from and the line it starts on.
public struct RecordSource: Codable, Sendable, Equatable, CustomStringConvertible {
  /// The file read, as the contribution's event names its sources (relative to where
  /// `contribute` ran when it lies under it), or `<stdin>`; for an archive entry, the archive.
  public var path: String
  /// The entry of the archive `path`, when the record was read from one (a compressed single
  /// file such as `data.jsonl.gz` has none: its lines are those of the decompressed file).
  public var entry: String?
  /// The line the record starts on (1-based); nil when the record is a whole file.
  public var line: Int?

  public init(path: String, entry: String?, line: Int?) {
    self.path = path
    self.entry = entry
    self.line = line
  }

  /// `path`, `path:entry`, with `:line` when there is one.
  public var description: String {
    var text = entry.map { "\(path):\($0)" } ?? path
    if let line { text += ":\(line)" }
    return text
  }
}

/// Where each new record of an ingestion came from, in the order the contribution's shards
/// hold the records: the **provenance object** a `contribution.submit` event names.
///
/// Each input's new records are consecutive in that order and in line order, so an input lists
/// its records as runs of consecutive lines, `[first line, count]` (a whole-file record is the
/// run `[0, 1]`). `sources[i]` describes the event's `sources[i]`; inputs that gave no new
/// record have no runs. Stored as canonical JSON:
///
/// ```json
/// {"format":"openledger-provenance","records":3,
///  "sources":[{"entry":"notes/a.jsonl","lines":[[1,2],[5,1]],"path":"notes.tar.gz"}],"version":1}
/// ```
public struct Provenance: Sendable, Equatable {
  public static let format = "openledger-provenance"
  public static let version = 1

  /// A run of records on consecutive lines.
  public struct Run: Sendable, Equatable {
    /// The line of its first record; 0 for a whole-file record.
    public var first: Int
    public var count: Int
  }

  /// One input of the contribution and the lines of its new records.
  public struct Source: Sendable, Equatable {
    public var path: String
    public var entry: String?
    public var lines: [Run]
  }

  public private(set) var sources: [Source]
  /// How many records the runs cover.
  public private(set) var records: Int
  /// For each run in order, the ordinal of the record after it, and its source's index.
  private var runEnds: [Int] = []
  private var runSources: [Int] = []
  private var runs: [Run] = []

  public init(sources: [Source]) {
    self.sources = sources
    records = 0
    for (index, source) in sources.enumerated() {
      for run in source.lines {
        records += run.count
        runEnds.append(records)
        runSources.append(index)
        runs.append(run)
      }
    }
  }

  /// The source of the record at `ordinal`, its position among the records in shard order;
  /// nil past the last.
  public func source(ofRecord ordinal: Int) -> RecordSource? {
    guard ordinal >= 0, ordinal < records else { return nil }
    // The first run that ends after `ordinal`.
    var low = 0
    var high = runEnds.count - 1
    while low < high {
      let middle = (low + high) / 2
      if runEnds[middle] > ordinal { high = middle } else { low = middle + 1 }
    }
    let run = runs[low]
    let source = sources[runSources[low]]
    let offset = ordinal - (runEnds[low] - run.count)
    return RecordSource(
      path: source.path, entry: source.entry, line: run.first == 0 ? nil : run.first + offset)
  }

  /// The same provenance with each source's path passed through `rename`.
  public func renamingPaths(_ rename: (String) -> String) -> Provenance {
    Provenance(
      sources: sources.map { Source(path: rename($0.path), entry: $0.entry, lines: $0.lines) })
  }

  // MARK: - The object

  /// The object's bytes: canonical JSON (keys sorted, no whitespace).
  public func encoded() -> Data {
    var out = [UInt8]()
    out.reserveCapacity(64 + runs.count * 12)
    func string(_ text: String) {
      out.append(UInt8(ascii: "\""))
      JSONCanonicalizer.escape(Array(text.utf8), into: &out)
      out.append(UInt8(ascii: "\""))
    }
    func raw(_ text: String) { out.append(contentsOf: text.utf8) }
    raw("{\"format\":")
    string(Self.format)
    raw(",\"records\":\(records),\"sources\":[")
    for (index, source) in sources.enumerated() {
      if index > 0 { raw(",") }
      raw("{")
      if let entry = source.entry {
        raw("\"entry\":")
        string(entry)
        raw(",")
      }
      raw("\"lines\":[")
      for (number, run) in source.lines.enumerated() {
        raw(number == 0 ? "[\(run.first),\(run.count)]" : ",[\(run.first),\(run.count)]")
      }
      raw("],\"path\":")
      string(source.path)
      raw("}")
    }
    raw("],\"version\":\(Self.version)}")
    return Data(out)
  }

  /// Reads a provenance object; `name` says which in errors.
  public static func decode(_ data: Data, name: String) throws -> Provenance {
    struct Object: Decodable {
      struct Source: Decodable {
        var path: String
        var entry: String?
        var lines: [[Int]]
      }
      var format: String
      var version: Int
      var records: Int
      var sources: [Source]
    }
    let object: Object
    do {
      object = try JSONDecoder().decode(Object.self, from: data)
    } catch {
      throw ProvenanceError.malformed(name: name, reason: JSONDiagnostics.describe(error))
    }
    guard object.format == format, object.version == version else {
      throw ProvenanceError.malformed(
        name: name,
        reason: "it is \(object.format) version \(object.version), not \(format) version "
          + "\(version); a newer openledger wrote it")
    }
    var sources = [Source]()
    for source in object.sources {
      var lines = [Run]()
      for pair in source.lines {
        guard pair.count == 2, pair[0] >= 0, pair[1] >= 1, pair[0] > 0 || pair[1] == 1 else {
          throw ProvenanceError.malformed(
            name: name, reason: "\(pair) is not a run [first line, count] of \(source.path)")
        }
        lines.append(Run(first: pair[0], count: pair[1]))
      }
      sources.append(Source(path: source.path, entry: source.entry, lines: lines))
    }
    let provenance = Provenance(sources: sources)
    guard provenance.records == object.records else {
      throw ProvenanceError.malformed(
        name: name,
        reason: "it says \(object.records) records but its runs hold \(provenance.records)")
    }
    return provenance
  }
}

/// Collects the runs of a `Provenance` from the records stored, in order.
struct ProvenanceBuilder {
  private var sources: [Provenance.Source]
  private var lastInput = -1
  private var lastLine = -1

  /// `inputs` are the inputs read, in order; records name them by index.
  init(inputs: [(path: String, entry: String?)]) {
    sources = inputs.map { Provenance.Source(path: $0.path, entry: $0.entry, lines: []) }
  }

  /// Adds the next record stored: read from input `input`, starting at `line`.
  mutating func addRecord(input: Int, line: Int) {
    if input == lastInput, line > 0, line == lastLine + 1 {
      sources[input].lines[sources[input].lines.count - 1].count += 1
    } else {
      sources[input].lines.append(Provenance.Run(first: line, count: 1))
    }
    lastInput = input
    lastLine = line
  }

  var provenance: Provenance { Provenance(sources: sources) }
}

/// A provenance object that cannot be read.
public enum ProvenanceError: OpenLedgerError {
  case malformed(name: String, reason: String)

  public var kind: FailureKind { .dataError }

  public var description: String {
    switch self {
    case .malformed(let name, let reason):
      "the provenance object \(name) is malformed: \(reason)"
    }
  }
}
