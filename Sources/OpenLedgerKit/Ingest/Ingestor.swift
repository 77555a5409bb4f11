import Foundation

/// Reads inputs into canonical records, checks them against the schema, and finds exact and
/// near duplicates inside the input and against a Datanet. With a shard writer it also stores
/// the new records; without one (fingerprint, validate) it only reports.
///
/// It runs the stages of ingestion, each of which does one thing: the `InputReader` turns the
/// inputs into units (files, standard input, archive entries), the `RecordBatcher` cuts each
/// unit into batches of records, the `BatchPreparer` prepares a batch on the worker threads
/// while the `RecordDecider` decides the batch before it, and the `RecordSaver` stores the new
/// records in shards.
final class Ingestor {
  let schema: DatanetSchema
  let options: IngestOptions
  private let progress: (Int, Int) -> Void
  private let batcher: RecordBatcher
  private let preparer: BatchPreparer
  private let decider: RecordDecider

  private(set) var report = IngestReport()
  /// Where each record of `stored` came from; set by `finish`.
  private(set) var provenance = Provenance(sources: [])
  /// Each input's file (an archive's for its entries) and archive entry, by position.
  private var inputOrigins: [(path: String, entry: String?)] = []
  /// The batch being prepared while the next one is read.
  private var inFlight: PreparedBatch?
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
    self.progress = progress
    batcher = RecordBatcher(schema: schema, maxRecordBytes: options.maxRecordBytes)
    preparer = BatchPreparer(schema: schema, workers: options.workers)
    decider = RecordDecider(
      datanet: datanet, nearDuplicateAction: nearDuplicateAction, options: options,
      saver: RecordSaver(shards: shards))
    report.recordFormat = schema.format
  }

  deinit {
    // A batch may still be in work after an error; its bytes are the batcher's.
    preparer.waitForAll()
  }

  /// The new records, in input order, and their compact signatures (flat, 112 each).
  var stored: [StoredRecord] { decider.stored }
  var storedSignatures: [UInt16] { decider.storedSignatures }

  /// Reads every input in order: files, folders (recursively, sorted by name), archives, stdin.
  func ingest(_ inputs: [InputPath], standardInput: Int32 = STDIN_FILENO) throws {
    decider.expectedBytes = InputReader.namedFileBytes(inputs)
    let reader = InputReader(
      inputs, format: schema.format, limits: options.archiveLimits, standardInput: standardInput)
    while let unit = try reader.next() {
      try read(unit)
    }
    report.skippedFiles = reader.skipped
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

  /// Reads one unit to its end, batch by batch, and decides its last batch.
  private func read(_ unit: InputUnit) throws {
    let input = decider.addInput(named: unit.name, to: &report)
    inputOrigins.append(unit.origin)
    let recordsBefore = report.recordsRead
    let read = try batcher.read(unit.source, name: unit.name, input: input) { batch in
      try submit(batch)
    }
    try drain()
    report.bytesRead += read.size
    // Every byte read is decided now, the separators between batches' records included.
    progressBytes = report.bytesRead
    progress(report.recordsRead, progressBytes)
    report.inputs.append(
      SourceFile(
        path: unit.name, sha256: read.finalize(), size: read.size,
        records: report.recordsRead - recordsBefore))
  }

  /// Starts preparing `batch`, then decides the batch before it.
  private func submit(_ batch: RecordBatch) throws {
    let prepared = preparer.start(batch)
    try drain()
    inFlight = prepared
  }

  /// Decides the batch in work, once it is prepared.
  private func drain() throws {
    guard let prepared = inFlight else { return }
    inFlight = nil
    let (progress, bytes) = (self.progress, progressBytes)
    try decider.decide(prepared, into: &report) { records in progress(records, bytes) }
    progressBytes += prepared.batch.bytes.count
    progress(report.recordsRead, progressBytes)
  }

  /// Finishes the report and lets go of the search tables, which only reading needs.
  func finish() throws -> IngestReport {
    progress(report.recordsRead, progressBytes)
    var sources = ProvenanceBuilder(inputs: inputOrigins)
    for location in decider.locations {
      sources.addRecord(input: Int(location.input), line: Int(location.line))
    }
    provenance = sources.provenance
    decider.releaseSearchTables()
    return report
  }
}
