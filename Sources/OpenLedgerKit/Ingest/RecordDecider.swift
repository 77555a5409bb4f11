/// The fourth stage of ingestion: decides, in input order, what becomes of each prepared
/// record: invalid, an exact duplicate (of a record earlier in the input, or one the Datanet
/// holds), a near duplicate (flagged, or refused by the Datanet's policy), or new, which the
/// `RecordSaver` stores. It keeps the new records of the input for the decisions after them,
/// and counts and lists every decision in the report.
final class RecordDecider {
  private let datanet: DatanetView?
  private let saver: RecordSaver
  private let nearDuplicateAction: NearDuplicateAction
  private let threshold: Double
  private let skipInvalid: Bool
  private let listLimit: Int

  /// The new records, in input order, and their compact signatures (flat, 112 each).
  private(set) var stored: [StoredRecord] = []
  private(set) var storedSignatures: [UInt16] = []
  /// The (input, line) of each record of `stored`.
  private(set) var locations: [(input: Int32, line: Int32)] = []
  /// The new records by id; a record's position there is its index in `stored`.
  private var seen = SeenRecords()
  private var bands = BandTable()
  /// The band keys of the record being decided, and the records of this input that share them.
  private let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: CompactSignature.bands)
  private let candidates = UnsafeMutableBufferPointer<UInt32>.allocate(
    capacity: CompactSignature.bands)
  /// The names of the inputs, by position, for the report's locations.
  private var inputNames: [String] = []

  /// The bytes the input likely holds (the size of the files named on the command line), set
  /// before deciding, and whether the tables that grow with the records have been sized from
  /// it yet (see `sizeTables`).
  var expectedBytes = 0
  private var tablesSized = false
  /// The bytes of the raw records decided so far.
  private var decidedBytes = 0

  /// Decides against `datanet` (none: only within the input), with `options`' threshold and
  /// limits, and hands new records to `saver`.
  init(
    datanet: DatanetView?, nearDuplicateAction: NearDuplicateAction, options: IngestOptions,
    saver: RecordSaver
  ) {
    self.datanet = datanet
    self.saver = saver
    self.nearDuplicateAction = nearDuplicateAction
    threshold = options.nearDuplicateThreshold
    skipInvalid = options.skipInvalid
    listLimit = options.listLimit
  }

  deinit {
    keys.deallocate()
    candidates.deallocate()
  }

  /// Names the next input and gives it its findings in `report`; its batches carry the
  /// position returned.
  func addInput(named name: String, to report: inout IngestReport) -> Int32 {
    inputNames.append(name)
    report.findingsByInput.append(InputFindings())
    return Int32(inputNames.count - 1)
  }

  /// Decides every record of `prepared`, once its workers are done, into `report`;
  /// `progress` is told the records read every few thousand.
  func decide(
    _ prepared: PreparedBatch, into report: inout IngestReport, progress: (Int) -> Void
  ) throws {
    let workers = prepared.results()
    let batch = prepared.batch
    if let (violation, line) = batch.headerViolation {
      addViolation(violation, at: (batch.input, Int32(line)), to: &report)
    }
    for worker in 0..<workers.count {
      try decide(
        worker: workers[worker], records: batch.records, start: worker * prepared.chunk,
        input: batch.input, into: &report, progress: progress)
    }
    decidedBytes += batch.bytes.count
    sizeTables(recordsRead: report.recordsRead)
  }

  /// Sizes the tables that grow with the new records for the records the named files are
  /// likely to hold, judged from the first few thousand: growing them by doubling would copy
  /// them again and again and, for the band table, touch (and have the kernel zero) about
  /// twice its final memory. The arrays only reserve address space; the band table and the
  /// seen records, whose slots are touched all over, are sized for at most 2 million records,
  /// so a poor guess costs little memory. Past the guess they grow as before.
  private func sizeTables(recordsRead decided: Int) {
    guard !tablesSized, decided >= 4096 || decidedBytes >= expectedBytes else { return }
    tablesSized = true
    guard expectedBytes >= 64 << 20, decided > 0, decidedBytes > 0 else { return }
    let expected = Int(Double(expectedBytes) / Double(decidedBytes) * Double(decided))
    stored.reserveCapacity(expected + expected / 16)
    storedSignatures.reserveCapacity((expected + expected / 16) * CompactSignature.count)
    bands.reserve(keys: min(expected, 2_000_000) * CompactSignature.bands)
    seen.reserve(min(expected, 2_000_000))
  }

  /// Decides, in input order, what becomes of each record a worker prepared.
  private func decide(
    worker: IngestWorker, records: [RawRecord], start: Int, input: Int32,
    into report: inout IngestReport, progress: (Int) -> Void
  ) throws {
    for item in 0..<worker.results.count {
      let result = worker.results[item]
      let raw = records[start + item]
      let location = (input, Int32(raw.line))
      if item % 4096 == 0 { progress(report.recordsRead) }
      report.recordsRead += 1
      if let violation = result.violation {
        addViolation(violation, at: location, to: &report)
        continue
      }
      let id = result.id
      if let first = seen.position(of: id, idAt: { stored[$0].id }) {
        report.exactDuplicatesInInput += 1
        report.findingsByInput[Int(input)].exactDuplicatesInInput += 1
        appendExact(id, at: location, first: locations[first], to: &report)
        continue
      }
      if let datanet, try datanet.contains(id) {
        report.exactDuplicatesInDatanet += 1
        report.findingsByInput[Int(input)].exactDuplicatesInDatanet += 1
        appendExact(id, at: location, first: nil, to: &report)
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
        if report.nearDuplicates.count < listLimit {
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
      let record = try worker.canonicalBytes(item) { try saver.save($0, id: id) }
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
        if similarity >= threshold, similarity > (best?.similarity ?? 0) {
          let id = stored[Int(candidate)].id
          best = Match(
            id: id, similarity: similarity, location: locations[Int(candidate)])
        }
      }
    }
    if let datanet,
      let match = try datanet.nearestMatch(values, threshold: threshold),
      match.similarity > (best?.similarity ?? 0)
    {
      best = Match(id: match.id, similarity: match.similarity, location: nil)
    }
    return best
  }

  /// Counts and lists an invalid record; without `skipInvalid` the input is refused, and
  /// nothing more is saved.
  private func addViolation(
    _ violation: RecordViolation, at location: (Int32, Int32), to report: inout IngestReport
  ) {
    report.invalid += 1
    report.findingsByInput[Int(location.0)].invalid += 1
    if !skipInvalid { saver.stop() }
    if report.violations.count < listLimit {
      report.violations.append(
        Violation(
          location: describe(location), code: violation.code, message: violation.description))
    }
  }

  private func appendExact(
    _ id: RecordID, at location: (Int32, Int32), first: (input: Int32, line: Int32)?,
    to report: inout IngestReport
  ) {
    guard report.exactDuplicates.count < listLimit else { return }
    report.exactDuplicates.append(
      ExactDuplicate(
        record: id.digest, location: describe(location), firstLocation: first.map(describe)))
  }

  private func describe(_ location: (Int32, Int32)) -> SourceLocation {
    SourceLocation(input: inputNames[Int(location.0)], line: Int(location.1))
  }

  /// Lets go of the search tables and the records' locations, which only deciding needs;
  /// `stored` and `storedSignatures` stay.
  func releaseSearchTables() {
    bands = BandTable()
    seen = SeenRecords()
    locations = []
  }
}
