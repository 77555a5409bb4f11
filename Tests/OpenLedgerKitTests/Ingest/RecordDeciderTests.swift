import Foundation
import Testing

@testable import OpenLedgerKit

/// The decider refuses what the input already holds or the Datanet already has, tells near
/// duplicates, and keeps the rest, in input order.
@Suite struct RecordDeciderTests {
  let schema = DatanetSchema(format: .jsonl, textFields: ["text"])

  /// A decider with `options`, deciding against `datanet`, and what it decided so far.
  final class Deciding {
    let decider: RecordDecider
    let saver: RecordSaver
    let preparer: BatchPreparer
    var report = IngestReport()

    init(
      schema: DatanetSchema, datanet: DatanetView? = nil, action: NearDuplicateAction = .flag,
      options: IngestOptions = IngestOptions(), shards: ShardWriter? = nil
    ) {
      saver = RecordSaver(shards: shards)
      decider = RecordDecider(
        datanet: datanet, nearDuplicateAction: action, options: options, saver: saver)
      preparer = BatchPreparer(schema: schema, workers: 2)
    }

    /// Decides one input named `name`, whose JSONL text is cut into the batches given.
    func decide(_ name: String, batches: [String]) throws {
      let input = decider.addInput(named: name, to: &report)
      for text in batches {
        let laid = LaidOutBatch(text, input: input)
        try decider.decide(preparer.start(laid.batch), into: &report) { _ in }
      }
    }

    var storedIDs: [RecordID] { decider.stored.map(\.id) }
  }

  func id(_ text: String) -> RecordID {
    Array("{\"text\":\"\(text)\"}".utf8).withUnsafeBytes { RecordID(of: $0) }
  }

  /// A hundred words, and the same hundred with the last changed: an estimated Jaccard of
  /// about 0.9 between their word 5-gram sets.
  let long = (0..<100).map { "w\($0)" }.joined(separator: " ")
  var nearlyLong: String { long.replacingOccurrences(of: "w99", with: "other") }

  @Test func anExactDuplicateEarlierInTheInputIsRefused() throws {
    let deciding = Deciding(schema: schema)
    try deciding.decide(
      "in.jsonl", batches: [jsonLines(["alpha", "beta"]), jsonLines(["gamma", "alpha"])])
    try deciding.decide("more.jsonl", batches: [jsonLines(["beta"])])
    let report = deciding.report
    #expect(report.recordsRead == 5 && report.recordsNew == 3)
    #expect(report.exactDuplicatesInInput == 2)
    #expect(deciding.storedIDs == [id("alpha"), id("beta"), id("gamma")])
    #expect(
      report.exactDuplicates == [
        ExactDuplicate(
          record: id("alpha").digest, location: SourceLocation(input: "in.jsonl", line: 2),
          firstLocation: SourceLocation(input: "in.jsonl", line: 1)),
        ExactDuplicate(
          record: id("beta").digest, location: SourceLocation(input: "more.jsonl", line: 1),
          firstLocation: SourceLocation(input: "in.jsonl", line: 2)),
      ])
    #expect(report.findingsByInput.map(\.exactDuplicatesInInput) == [1, 1])
    #expect(deciding.decider.locations.map(\.line) == [1, 2, 1])
  }

  @Test func aRecordTheDatanetHoldsIsRefused() throws {
    let fixture = try CurationFixture()
    try fixture.contribute(["alpha", long], by: fixture.bob)
    let datanet = try fixture.state().id
    let report = try fixture.store.readDatanet(datanet) { state, view in
      let deciding = Deciding(schema: state.schema, datanet: view)
      try deciding.decide("in.jsonl", batches: [jsonLines(["gamma", "alpha", nearlyLong])])
      #expect(deciding.storedIDs == [id("gamma"), id(nearlyLong)])
      return deciding.report
    }
    #expect(report.exactDuplicatesInDatanet == 1 && report.exactDuplicatesInInput == 0)
    #expect(
      report.exactDuplicates == [
        ExactDuplicate(
          record: id("alpha").digest, location: SourceLocation(input: "in.jsonl", line: 2),
          firstLocation: nil)
      ])
    #expect(report.nearDuplicatesFlagged == 1)
    let near = try #require(report.nearDuplicates.first)
    #expect(near.matches == id(long).digest && near.matchLocation == nil)
    #expect(near.estimatedJaccard > 0.8 && near.action == .flagged)
  }

  @Test func aNearDuplicateIsFlaggedOrRefusedAsThePolicySays() throws {
    for action in [NearDuplicateAction.flag, .reject] {
      let deciding = Deciding(schema: schema, action: action)
      try deciding.decide("in.jsonl", batches: [jsonLines([long, "beta", nearlyLong])])
      let report = deciding.report
      let near = try #require(report.nearDuplicates.first)
      #expect(near.record == id(nearlyLong).digest && near.matches == id(long).digest)
      #expect(near.location == SourceLocation(input: "in.jsonl", line: 3))
      #expect(near.matchLocation == SourceLocation(input: "in.jsonl", line: 1))
      if action == .reject {
        #expect(report.nearDuplicatesRejected == 1 && report.nearDuplicatesFlagged == 0)
        #expect(deciding.storedIDs == [id(long), id("beta")])
      } else {
        #expect(report.nearDuplicatesFlagged == 1 && report.nearDuplicatesRejected == 0)
        #expect(deciding.storedIDs == [id(long), id("beta"), id(nearlyLong)])
      }
    }
  }

  @Test func anInvalidRecordStopsSavingUnlessInvalidOnesAreSkipped() throws {
    for skip in [false, true] {
      let directory = try TemporaryDirectory()
      let shards = ShardWriter(objects: try ShardWriterTests().makeObjects(directory))
      var options = IngestOptions()
      options.skipInvalid = skip
      let deciding = Deciding(schema: schema, options: options, shards: shards)
      try deciding.decide(
        "in.jsonl", batches: [jsonLines(["alpha"]) + "{broken\n" + jsonLines(["beta"])])
      let report = deciding.report
      #expect(report.invalid == 1 && report.recordsNew == 2)
      #expect(report.violations.map(\.location) == [SourceLocation(input: "in.jsonl", line: 2)])
      #expect(deciding.saver.isSaving == skip)
      // Once saving stops, a record gets no place in a shard.
      #expect((deciding.decider.stored[1].offset > 0) == skip)
    }
  }

  @Test func theListsStopAtTheLimitButTheCountsGoOn() throws {
    var options = IngestOptions()
    options.listLimit = 2
    let deciding = Deciding(schema: schema, options: options)
    try deciding.decide("in.jsonl", batches: [jsonLines(Array(repeating: "same", count: 6))])
    #expect(deciding.report.exactDuplicatesInInput == 5)
    #expect(deciding.report.exactDuplicates.count == 2)
  }
}
