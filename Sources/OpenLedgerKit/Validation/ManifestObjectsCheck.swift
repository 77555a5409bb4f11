/// Checks that a Datanet's ledger holds what the reward manifests among the store's objects
/// name. `RewardsCheck` verifies the manifests the ledger recorded (the ledger heads they name
/// included); this check finds the manifests of the Datanet that no `rewards.epoch` event
/// records, which the catalog therefore does not reference:
///
/// - one whose epoch the ledger lacks (an error): its ledger lost its newest events, or is
///   behind the store the manifest came from (a `rewards compute` or pull killed before it
///   recorded the event lists its objects in a journal, and is not taken for this);
/// - one whose epoch the ledger recorded with another manifest (a warning): a computation that
///   lost the epoch to a concurrent one, or a replacement; nothing pays from it;
/// - either way, ledger heads it names that the ledger lacks (an error).
///
/// `gc` removes such manifests with the other unreferenced objects.
struct ManifestObjectsCheck {
  let store: Store
  let state: DatanetState
  /// The reward manifests of this Datanet among the unreferenced objects.
  let unrecorded: [RewardsManifest]

  /// The largest object read as a possible manifest. A manifest is a few kilobytes (its largest
  /// parts are the lists of index segments and ledger heads); the limit keeps the scan from
  /// reading large leaves files, inference logs or shards left unreferenced.
  static let largestManifest = 16 << 20

  /// The reward manifests among the objects the catalog does not reference, by Datanet. Only
  /// objects that begin with a JSON object are read whole, and each is re-hashed; an object
  /// that does not read or decode as a manifest is not one (the objects check reports corrupt
  /// ones).
  static func unrecordedManifests(in store: Store) throws -> [Digest: [RewardsManifest]] {
    var malformed = [String]()
    let objects = store.objects
    let ids = try objects.allObjects(malformed: &malformed)
    let referenced = try store.catalog.read { db in try ObjectRefs.all(in: db) }
    // A write under way, or one that died (which the next write undoes), is not a ledger that
    // lost its events.
    let journals = try ObjectJournal.listedButUnreferenced(in: store)
    let pending = journals.underWay.union(journals.interrupted)
    var found = [Digest: [RewardsManifest]]()
    for id in ids where referenced[id] == nil && !pending.contains(id) {
      guard let size = try? objects.size(of: id), size <= largestManifest,
        let prefix = try? objects.readPrefix(id, count: 64),
        prefix.first(where: { !Self.isJSONWhitespace($0) }) == UInt8(ascii: "{"),
        let bytes = try? objects.read(id),
        let manifest = try? RewardsManifest.decode(bytes, name: id.hex)
      else { continue }
      found[manifest.predicate.datanet, default: []].append(manifest)
    }
    return found
  }

  private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09
  }

  func run(into check: inout ValidationCheck) throws {
    let epochs = RewardEpochs(store: store, datanet: state)
    check.checked = unrecorded.count
    let ordered = unrecorded.sorted {
      ($0.predicate.epoch, $0.id) < ($1.predicate.epoch, $1.id)
    }
    for manifest in ordered {
      let record = try epochs.ledgerRecord(of: manifest)
      let epoch = manifest.predicate.epoch
      let what = "manifest \(manifest.id.hex) (reward epoch \(epoch) of \(state.name))"
      func add(_ severity: ValidationFinding.Severity, _ code: String, _ message: String) {
        check.findings.append(
          ValidationFinding(
            severity, code: code, message: message, subject: manifest.id.hex,
            file: store.objects.path(for: manifest.id)))
      }
      if let recorded = record.recorded {
        guard recorded.manifest != manifest.id else { continue }
        add(
          .warning, "manifest-not-recorded",
          "\(what) is not the manifest the ledger recorded for that epoch "
            + "(\(recorded.manifest.hex), rewards.epoch event \(recorded.event.short)): a "
            + "`rewards compute` that lost the epoch to another left it, or it was signed as a "
            + "replacement; nothing pays from it, and `openledger gc` removes it")
      } else {
        add(
          .error, "manifest-epoch-missing",
          "\(what) is recorded by no rewards.epoch event: the ledger lacks epoch \(epoch)'s "
            + "event ("
            + (record.lastEpoch.map { "its last epoch is \($0)" } ?? "it records no epoch")
            + "); \(ManifestVerifier.lackingEventsAdvice). If you know a `rewards compute` was "
            + "interrupted before it recorded the epoch, `openledger gc` removes the manifest")
      }
      if !record.missingHeads.isEmpty {
        add(
          .error, "manifest-heads-missing",
          "\(what) names ledger heads that the ledger does not hold: "
            + record.missingHeads.map(\.hex).joined(separator: ", ")
            + "; \(ManifestVerifier.lackingEventsAdvice)")
      }
    }
  }
}
