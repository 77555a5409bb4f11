import Crypto
import Foundation

/// How ingestion reads its input.
public struct IngestOptions: Sendable {
  /// Store the valid records and report the rest, instead of refusing the whole input.
  public var skipInvalid = false
  /// The longest record accepted, in bytes (a text file, a JSON line, a CSV row).
  public var maxRecordBytes = 64 << 20
  /// Parallel workers for canonicalizing, hashing and fingerprinting.
  public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
  /// The estimated Jaccard at or above which an LSH candidate is a near duplicate.
  public var nearDuplicateThreshold = NearDuplicatePolicy.threshold
  /// How far archives may expand.
  public var archiveLimits = ArchiveLimits()
  /// How many violations, exact and near duplicates the report lists of each (the counts are
  /// complete whatever this is).
  public var listLimit = IngestReport.listLimit

  public init() {}
}

/// The near-duplicate rule shared by contribute, fingerprint and validate.
public enum NearDuplicatePolicy {
  /// Candidates from the 14 × 8 LSH bands are confirmed at this estimated Jaccard: 87 of the
  /// 112 values equal. With 112 values the estimate has a standard deviation of about 0.04, and
  /// this line sits where pairs at a true Jaccard of 0.8 still pass (recall ≥ 0.9) while pairs
  /// at 0.7 rarely do (precision ≥ 0.95); Docs/Benchmarks.md has the measurements.
  public static let threshold = 0.77
}

/// An input as named on the command line.
public enum InputPath: Sendable, Equatable {
  case path(String)
  case standardInput
}

/// Reads inputs into canonical records, checks them against the schema, and finds exact and
/// near duplicates inside the input and against a Datanet. With a shard writer it also stores
/// the new records; without one (fingerprint, validate) it only reports.
final class Ingestor {
  let schema: DatanetSchema
  let options: IngestOptions
  let datanet: DatanetView?
  let nearDuplicateAction: NearDuplicateAction
  private let shards: ShardWriter?
  private let progress: (Int, Int) -> Void

  private(set) var report = IngestReport()
  /// The new records, in input order, and their compact signatures (flat, 112 each).
  private(set) var stored: [StoredRecord] = []
  private(set) var storedSignatures: [UInt16] = []
  /// Where each record of `stored` came from; set by `finish`.
  private(set) var provenance = Provenance(sources: [])

  /// The new records by id; a record's position there is its index in `stored` and `locations`.
  private var seen = SeenRecords()
  private var locations: [(input: Int32, line: Int32)] = []
  private var inputNames: [String] = []
  /// Each input's file (an archive's for its entries) and archive entry, as `inputNames`.
  private var inputOrigins: [(path: String, entry: String?)] = []
  private var bands = BandTable()
  /// The band keys of the record being decided, and the records of this input that share them.
  private let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: CompactSignature.bands)
  private let candidates = UnsafeMutableBufferPointer<UInt32>.allocate(
    capacity: CompactSignature.bands)
  /// Two sets of workers: one prepares a batch while the other's results are decided.
  private let workerSets: [UnsafeMutableBufferPointer<IngestWorker>]
  private var storing: Bool
  /// The size of the files named on the command line, and whether the tables that grow with
  /// the records have been sized from it yet (see `sizeTables`).
  private var namedBytes = 0
  private var tablesSized = false
  /// The bytes of the raw records decided so far.
  private var decidedBytes = 0
  /// The bytes of input whose records are decided, for `progress`: it never runs ahead of the
  /// records, and once an input is read to its end, all of its bytes count.
  private var progressBytes = 0

  init(
    schema: DatanetSchema, options: IngestOptions, datanet: DatanetView?,
    nearDuplicateAction: NearDuplicateAction, shards: ShardWriter?,
    progress: @escaping (Int, Int) -> Void
  ) {
    self.schema = schema
    self.options = options
    self.datanet = datanet
    self.nearDuplicateAction = nearDuplicateAction
    self.shards = shards
    self.progress = progress
    self.storing = shards != nil
    report.recordFormat = schema.format
    workerSets = (0..<2).map { _ in
      let set = UnsafeMutableBufferPointer<IngestWorker>.allocate(capacity: max(1, options.workers))
      _ = set.initialize(
        from: (0..<max(1, options.workers)).map { _ in IngestWorker(schema: schema) })
      return set
    }
  }

  deinit {
    // A batch may still be in flight after an error; let it finish before its workers go.
    inFlight?.group.wait()
    for buffer in readBuffers { buffer.deallocate() }
    for set in workerSets {
      set.deinitialize()
      set.deallocate()
    }
    keys.deallocate()
    candidates.deallocate()
  }

  // MARK: Inputs

  /// Reads every input in order: files, folders (recursively, sorted by name), archives, stdin.
  func ingest(_ inputs: [InputPath], standardInput: Int32 = STDIN_FILENO) throws {
    for case .path(let path) in inputs {
      var info = stat()
      if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
        namedBytes += Int(info.st_size)
      }
    }
    for input in inputs {
      switch input {
      case .standardInput:
        try ingestStandardInput(standardInput)
      case .path(let path):
        try Self.checkName(path)
        var info = stat()
        guard stat(path, &info) == 0 else {
          if errno == ENOENT || errno == ENOTDIR { throw IngestError.inputNotFound(path: path) }
          throw IngestError.cannotRead(path: path, code: errno)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
          try ingestDirectory(path)
        } else {
          try ingestFile(path, explicit: true)
        }
      }
    }
    if report.recordsRead == 0 {
      throw IngestError.emptyInput(
        inputs: report.inputs.isEmpty ? inputs.map(Self.describe) : report.inputs.map(\.path),
        skipped: report.skippedFiles, format: schema.format)
    }
  }

  private static func describe(_ input: InputPath) -> String {
    switch input {
    case .standardInput: "<stdin>"
    case .path(let path): path
    }
  }

  /// Refuses a name with control characters or line breaks, however the file is read.
  private static func checkName(_ path: String) throws {
    if DisplayText.hasControlCharacters(path) {
      throw IngestError.unusableName(
        path: path, reason: "the name holds control characters or line breaks (shown escaped)")
    }
  }

  /// Reads every entry of a folder, its subfolders too; a name that cannot be shown safely
  /// refuses the whole input, whether or not the file would be read.
  private func ingestDirectory(_ directory: String) throws {
    for name in try FileSystem.list(directory) {
      let path = directory.hasSuffix("/") ? directory + name : "\(directory)/\(name)"
      try Self.checkName(path)
      var info = stat()
      guard lstat(path, &info) == 0 else {
        // The listing replaces bytes that are not UTF-8 with U+FFFD, a name that is not there.
        if errno == ENOENT, name.unicodeScalars.contains("\u{FFFD}") {
          throw IngestError.unusableName(path: path, reason: "the name is not valid UTF-8")
        }
        if errno == ENOENT { continue }  // removed while the folder was read
        throw IngestError.cannotRead(path: path, code: errno)
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: try ingestDirectory(path)
      case S_IFREG: try ingestFile(path, explicit: false)
      default:  // symbolic links, devices, sockets: never followed
        report.skippedFiles.append(SkippedFile(path: path, reason: .notAFile))
      }
    }
  }

  private func ingestFile(_ path: String, explicit: Bool) throws {
    let kind = try ArchiveReader.detect(path: path)
    if kind == .plain {
      if explicit {
        try ingestUnit(try FileByteSource(path: path), name: path)
      } else {
        try ingestIfFits(name: path, path: path) { try FileByteSource(path: path) }
      }
      return
    }
    var sniff = false
    if !explicit && kind == .compressedFile {
      switch InputFilter.verdict(Self.withoutArchiveSuffix(path), format: schema.format) {
      case .read: break
      case .sniff: sniff = true
      case .skip(let reason):
        report.skippedFiles.append(SkippedFile(path: path, reason: reason))
        return
      }
    }
    try ingestArchive(
      try ArchiveReader(path: path, limits: options.archiveLimits), name: path,
      sniffCompressedFile: sniff)
  }

  /// Reads one file of a folder or archive when its name, or for text its content, fits the
  /// record format, and otherwise notes it in the report as skipped, with the reason.
  private func ingestIfFits(
    name: String, path: String, origin: (path: String, entry: String?)? = nil,
    source makeSource: () throws -> ByteSource
  ) throws {
    switch InputFilter.verdict(path, format: schema.format) {
    case .read:
      try ingestUnit(try makeSource(), name: name, origin: origin)
    case .sniff:
      try ingestIfText(try makeSource(), name: name, origin: origin)
    case .skip(let reason):
      report.skippedFiles.append(SkippedFile(path: name, reason: reason))
    }
  }

  /// Reads `source` when its first bytes are UTF-8 text, and otherwise notes it as skipped.
  private func ingestIfText(
    _ source: ByteSource, name: String, origin: (path: String, entry: String?)? = nil
  ) throws {
    let prefix = try Self.readPrefix(of: source, count: TextSniffer.byteCount)
    guard TextSniffer.isText(prefix, whole: prefix.count < TextSniffer.byteCount) else {
      report.skippedFiles.append(SkippedFile(path: name, reason: .notText))
      return
    }
    try ingestUnit(PrefixedByteSource(prefix: prefix, rest: source), name: name, origin: origin)
  }

  /// The first `count` bytes of `source`, or all of it when it is shorter.
  private static func readPrefix(of source: ByteSource, count: Int) throws -> [UInt8] {
    var prefix = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < prefix.count {
      let n = try prefix.withUnsafeMutableBytes {
        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
      }
      if n == 0 { break }
      filled += n
    }
    prefix.removeSubrange(filled...)
    return prefix
  }

  /// Standard input may be plain data or an archive: its first bytes tell.
  private func ingestStandardInput(_ fd: Int32) throws {
    let source = FileByteSource(fd: fd, name: "<stdin>")
    let prefix = try Self.readPrefix(of: source, count: ArchiveReader.detectionByteCount)
    switch ArchiveReader.detect(firstBytes: prefix) {
    case .plain:
      try ingestUnit(PrefixedByteSource(prefix: prefix, rest: source), name: "<stdin>")
    case .archive, .compressedFile:
      try ingestArchive(
        try ArchiveReader(
          fileDescriptor: fd, name: "<stdin>", prefix: prefix, limits: options.archiveLimits),
        name: "<stdin>")
    }
  }

  /// Reads each entry of an archive as an input named `archive:entry`. Entries that do not fit
  /// the format (by name, or for text by content) are passed over; a compressed single file is
  /// read, after a look at its content when `sniffCompressedFile`.
  private func ingestArchive(
    _ reader: ArchiveReader, name: String, sniffCompressedFile: Bool = false
  ) throws {
    while let entry = try reader.nextEntry() {
      if reader.isCompressedFile {
        if sniffCompressedFile {
          try ingestIfText(ArchiveEntrySource(reader: reader), name: name)
        } else {
          try ingestUnit(ArchiveEntrySource(reader: reader), name: name)
        }
        continue
      }
      try ingestIfFits(
        name: "\(name):\(entry.path)", path: entry.path, origin: (name, entry.path)
      ) {
        ArchiveEntrySource(reader: reader)
      }
    }
  }

  private static func withoutArchiveSuffix(_ path: String) -> String {
    for suffix in [".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".z"]
    where path.lowercased().hasSuffix(suffix) {
      return String(path.dropLast(suffix.count))
    }
    return path
  }

  // MARK: One input

  /// Reads one input's bytes, cut into records by the schema's format, in batches. Each batch
  /// is prepared by the worker threads while the previous one is decided on this thread.
  ///
  /// Input is read into two buffers in turn, and a batch's records are read by the workers
  /// where they lie: after a batch is submitted, the bytes of its last, unfinished record move
  /// to the other buffer (free by then: its batch was decided in `submit`) and reading goes on
  /// there. The input's SHA-256 is computed from the same bytes on another thread; every
  /// change to a buffer waits until the bytes read before are hashed.
  private func ingestUnit(
    _ source: ByteSource, name: String, origin: (path: String, entry: String?)? = nil
  ) throws {
    let inputIndex = Int32(inputNames.count)
    inputNames.append(name)
    report.findingsByInput.append(InputFindings())
    inputOrigins.append(origin ?? (name, nil))
    let digest = BackgroundDigest()
    // However this ends, the digest no longer reads the buffers once this returns.
    defer { digest.wait() }
    var size = 0
    let recordsBefore = report.recordsRead
    var splitter = makeSplitter()
    var header: CSVHeader?
    var expectsHeader = schema.format == .csv
    var current = 0
    var filled = 0
    var atStart = true
    while true {
      let buffer = readBuffers[current]
      let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
      digest.update(borrowing: UnsafeRawBufferPointer(rebasing: buffer[filled..<filled + n]))
      size += n
      report.bytesRead += n
      filled += n
      let isFinal = n == 0
      if atStart {
        // A UTF-8 byte order mark says nothing about the records: it is dropped (the input's
        // SHA-256 still covers it), so the same text gets the same record id with or without.
        if filled < 3 && !isFinal { continue }
        atStart = false
        if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
          digest.wait()
          buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + 3, byteCount: filled - 3)
          filled -= 3
        }
      }
      var records = [RawRecord]()
      let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
      let consumed = splitter.split(view, isFinal: isFinal, into: &records)
      var submitted = false
      if !records.isEmpty {
        var headerViolation: (RecordViolation, Int)?
        if expectsHeader {
          expectsHeader = false
          let first = records.removeFirst()
          switch CSVHeader.parse(UnsafeRawBufferPointer(rebasing: view[first.range])) {
          case .success(let parsed): header = parsed
          case .failure(let violation): headerViolation = (violation, first.line)
          }
        }
        if let large = records.first(where: { $0.range.count > options.maxRecordBytes }) {
          throw IngestError.recordTooLarge(
            input: name, line: large.line, limit: options.maxRecordBytes)
        }
        if !records.isEmpty || headerViolation != nil {
          try submit(
            Batch(
              view: view, records: records, input: inputIndex, header: header,
              headerViolation: headerViolation))
          submitted = true
        }
      }
      digest.wait()
      if submitted {
        // The batch reads this buffer now; the rest of the input goes on in the other one.
        let other = 1 - current
        if readBuffers[other].count < buffer.count {
          readBuffers[other].deallocate()
          readBuffers[other] = .allocate(byteCount: buffer.count, alignment: 16)
        }
        readBuffers[other].baseAddress!.copyMemory(
          from: buffer.baseAddress! + consumed, byteCount: filled - consumed)
        filled -= consumed
        current = other
      } else if consumed > 0 {
        buffer.baseAddress!.copyMemory(
          from: buffer.baseAddress! + consumed, byteCount: filled - consumed)
        filled -= consumed
      }
      if isFinal { break }
      if filled == readBuffers[current].count {
        let full = readBuffers[current]
        guard full.count < options.maxRecordBytes + 2 else {
          throw IngestError.recordTooLarge(
            input: name, line: splitter.pendingLine, limit: options.maxRecordBytes)
        }
        let larger = UnsafeMutableRawBufferPointer.allocate(
          byteCount: min(full.count * 2, options.maxRecordBytes + 2), alignment: 16)
        larger.baseAddress!.copyMemory(from: full.baseAddress!, byteCount: filled)
        full.deallocate()
        readBuffers[current] = larger
      }
    }
    try drain()
    // Every byte read is decided now, the separators between batches' records included.
    progressBytes = report.bytesRead
    progress(report.recordsRead, progressBytes)
    report.inputs.append(
      SourceFile(
        path: name, sha256: digest.finalize(), size: size,
        records: report.recordsRead - recordsBefore))
  }

  private func makeSplitter() -> any RecordSplitter {
    switch schema.format {
    case .jsonl: LineSplitter()
    case .csv: CSVSplitter()
    case .text: schema.split == .paragraph ? ParagraphSplitter() : WholeSplitter()
    }
  }

  // MARK: Batches

  /// Raw records, the bytes they lie in (part of a read buffer), and the workers that prepare
  /// them.
  private final class Batch: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    let records: [RawRecord]
    let input: Int32
    let header: CSVHeader?
    let headerViolation: (RecordViolation, Int)?
    let group = DispatchGroup()
    var workerSet = 0
    var chunk = 1

    /// The span of `view` the records cover, their ranges rebased onto it.
    init(
      view: UnsafeRawBufferPointer, records: [RawRecord], input: Int32, header: CSVHeader?,
      headerViolation: (RecordViolation, Int)?
    ) {
      let start = records.first?.range.lowerBound ?? 0
      let end = records.last?.range.upperBound ?? 0
      bytes = UnsafeRawBufferPointer(rebasing: view[start..<end])
      self.records = records.map { record in
        var moved = record
        moved.range = (record.range.lowerBound - start)..<(record.range.upperBound - start)
        return moved
      }
      self.input = input
      self.header = header
      self.headerViolation = headerViolation
    }
  }

  /// The batch being prepared while the caller reads the next one.
  private var inFlight: Batch?
  private var nextWorkerSet = 0
  /// The two buffers input is read into, in turn (see `ingestUnit`); they outlive any batch.
  private var readBuffers = [
    UnsafeMutableRawBufferPointer.allocate(byteCount: 8 << 20, alignment: 16),
    UnsafeMutableRawBufferPointer.allocate(byteCount: 8 << 20, alignment: 16),
  ]

  /// Starts preparing `batch` on the worker threads, then decides the batch before it.
  private func submit(_ batch: Batch) throws {
    batch.workerSet = nextWorkerSet
    nextWorkerSet = 1 - nextWorkerSet
    let workerCount = workerSets[batch.workerSet].count
    let count = batch.records.count
    batch.chunk = max(1, (count + workerCount - 1) / workerCount)
    let pool = UncheckedSendable(workerSets[batch.workerSet].baseAddress)
    for worker in 0..<workerCount {
      let start = min(count, worker * batch.chunk)
      let end = min(count, start + batch.chunk)
      DispatchQueue.global().async(group: batch.group) {
        pool.value![worker].run(
          buffer: batch.bytes, records: batch.records[start..<end], header: batch.header)
      }
    }
    try drain()
    inFlight = batch
  }

  /// Waits for the batch in flight and decides it.
  private func drain() throws {
    guard let batch = inFlight else { return }
    inFlight = nil
    batch.group.wait()
    if let (violation, line) = batch.headerViolation {
      addViolation(violation, at: (batch.input, Int32(line)))
    }
    for worker in 0..<workerSets[batch.workerSet].count {
      try decide(
        worker: workerSets[batch.workerSet][worker], records: batch.records,
        start: worker * batch.chunk, input: batch.input)
    }
    decidedBytes += batch.bytes.count
    progressBytes += batch.bytes.count
    progress(report.recordsRead, progressBytes)
    sizeTables()
  }

  /// Sizes the tables that grow with the new records for the records the named files are
  /// likely to hold, judged from the first few thousand: growing them by doubling would copy
  /// them again and again and, for the band table, touch (and have the kernel zero) about
  /// twice its final memory. The arrays only reserve address space; the band table and the
  /// seen records, whose slots are touched all over, are sized for at most 2 million records,
  /// so a poor guess costs little memory. Past the guess they grow as before.
  private func sizeTables() {
    let decided = report.recordsRead
    guard !tablesSized, decided >= 4096 || decidedBytes >= namedBytes else { return }
    tablesSized = true
    guard namedBytes >= 64 << 20, decided > 0, decidedBytes > 0 else { return }
    let expected = Int(Double(namedBytes) / Double(decidedBytes) * Double(decided))
    stored.reserveCapacity(expected + expected / 16)
    storedSignatures.reserveCapacity((expected + expected / 16) * CompactSignature.count)
    bands.reserve(keys: min(expected, 2_000_000) * CompactSignature.bands)
    seen.reserve(min(expected, 2_000_000))
  }

  /// Decides, in input order, what becomes of each record a worker prepared.
  private func decide(worker: IngestWorker, records: [RawRecord], start: Int, input: Int32) throws {
    for item in 0..<worker.results.count {
      let result = worker.results[item]
      let raw = records[start + item]
      let location = (input, Int32(raw.line))
      if item % 4096 == 0 { progress(report.recordsRead, progressBytes) }
      report.recordsRead += 1
      if let violation = result.violation {
        addViolation(violation, at: location)
        continue
      }
      let id = result.id
      if let first = seen.position(of: id, idAt: { stored[$0].id }) {
        report.exactDuplicatesInInput += 1
        report.findingsByInput[Int(input)].exactDuplicatesInInput += 1
        appendExact(id, at: location, first: locations[first])
        continue
      }
      if let datanet, try datanet.contains(id) {
        report.exactDuplicatesInDatanet += 1
        report.findingsByInput[Int(input)].exactDuplicatesInDatanet += 1
        appendExact(id, at: location, first: nil)
        continue
      }
      let match = try worker.withSignature(item) { try nearestMatch($0) }
      if let match {
        let rejected = nearDuplicateAction == .reject
        if rejected {
          report.nearDuplicatesRejected += 1
          report.findingsByInput[Int(input)].nearDuplicatesRejected += 1
        } else {
          report.nearDuplicatesFlagged += 1
          report.findingsByInput[Int(input)].nearDuplicatesFlagged += 1
        }
        if report.nearDuplicates.count < options.listLimit {
          report.nearDuplicates.append(
            NearDuplicate(
              record: id.digest, location: describe(location), matches: match.id.digest,
              matchLocation: match.location.map(describe),
              estimatedJaccard: (match.similarity * 1000).rounded() / 1000,
              action: rejected ? .rejected : .flagged))
        }
        if rejected { continue }
      }
      report.recordsNew += 1
      var record = StoredRecord(id: id, shard: 0, offset: 0, length: result.canonical.count)
      if storing, let shards {
        record = try worker.canonicalBytes(item) { try shards.append($0, id: id) }
      }
      seen.insert(id, at: locations.count)
      locations.append(location)
      let storedIndex = UInt32(stored.count)
      stored.append(record)
      worker.withSignature(item) { storedSignatures.append(contentsOf: $0) }
      // `nearestMatch` left this record's band keys in `keys`.
      for key in keys { bands.insertIfAbsent(key, storedIndex) }
    }
  }

  private struct Match {
    var id: RecordID
    var similarity: Double
    var location: (Int32, Int32)?
  }

  /// The most similar earlier record, in this input or in the Datanet, at or above the
  /// threshold; ties go to the earlier record. Leaves the signature's band keys in `keys`.
  private func nearestMatch(_ values: UnsafeBufferPointer<UInt16>) throws -> Match? {
    var best: Match?
    for band in 0..<CompactSignature.bands {
      keys[band] = CompactSignature.bandKey(band, values)
    }
    let found = bands.firstRecords(UnsafeBufferPointer(keys), into: candidates)
    storedSignatures.withUnsafeBufferPointer { all in
      for candidate in candidates[0..<found] {
        let start = Int(candidate) * CompactSignature.count
        let similarity = CompactSignature.agreement(
          values, UnsafeBufferPointer(rebasing: all[start..<start + CompactSignature.count]))
        if similarity >= options.nearDuplicateThreshold, similarity > (best?.similarity ?? 0) {
          let id = stored[Int(candidate)].id
          best = Match(
            id: id, similarity: similarity, location: locations[Int(candidate)])
        }
      }
    }
    if let datanet,
      let match = try datanet.nearestMatch(values, threshold: options.nearDuplicateThreshold),
      match.similarity > (best?.similarity ?? 0)
    {
      best = Match(id: match.id, similarity: match.similarity, location: nil)
    }
    return best
  }

  private func addViolation(_ violation: RecordViolation, at location: (Int32, Int32)) {
    report.invalid += 1
    report.findingsByInput[Int(location.0)].invalid += 1
    if !options.skipInvalid { storing = false }
    if report.violations.count < options.listLimit {
      report.violations.append(
        Violation(
          location: describe(location), code: violation.code, message: violation.description))
    }
  }

  private func appendExact(
    _ id: RecordID, at location: (Int32, Int32), first: (input: Int32, line: Int32)?
  ) {
    guard report.exactDuplicates.count < options.listLimit else { return }
    report.exactDuplicates.append(
      ExactDuplicate(
        record: id.digest, location: describe(location), firstLocation: first.map(describe)))
  }

  private func describe(_ location: (Int32, Int32)) -> SourceLocation {
    SourceLocation(input: inputNames[Int(location.0)], line: Int(location.1))
  }

  /// Finishes the report and lets go of the search tables, which only reading needs.
  func finish() throws -> IngestReport {
    progress(report.recordsRead, progressBytes)
    var sources = ProvenanceBuilder(inputs: inputOrigins)
    for location in locations {
      sources.addRecord(input: Int(location.input), line: Int(location.line))
    }
    provenance = sources.provenance
    bands = BandTable()
    seen = SeenRecords()
    locations = []
    return report
  }
}

/// Which files in folders and archives are read for a format (files named explicitly always
/// are): hidden files never; files named for the format always; for text, any other file whose
/// content is UTF-8 text.
enum InputFilter {
  enum Verdict: Equatable {
    case read
    /// Read it if its first bytes are text.
    case sniff
    case skip(SkippedFile.Reason)
  }

  static func verdict(_ path: String, format: RecordFormat) -> Verdict {
    let name = (path as NSString).lastPathComponent.lowercased()
    if name.hasPrefix(".") { return .skip(.hidden) }
    if extensions(format).contains(where: { name.hasSuffix($0) }) { return .read }
    return format == .text ? .sniff : .skip(.otherFormat)
  }

  /// The names a format's files end in.
  static func extensions(_ format: RecordFormat) -> [String] {
    switch format {
    case .jsonl: [".jsonl", ".ndjson", ".json"]
    case .csv: [".csv"]
    case .text: [".txt", ".text", ".md", ".markdown", ".rst"]
    }
  }
}
