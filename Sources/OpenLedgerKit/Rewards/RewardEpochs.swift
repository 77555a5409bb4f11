import Foundation
import GRDB

/// A Datanet's reward epochs as the store holds them: computing the next one, listing them,
/// reading an epoch's manifest, leaves and allocations back, exporting and recomputing them.
///
/// ```swift
/// let epochs = RewardEpochs(store: store, datanet: state)
/// let log = try RewardLog.read(path: "log.jsonl")
/// let attributor = try AttributionIndex(store: store, datanet: state).attributor()
/// let computed = try epochs.compute(log: log, attributor: attributor, by: curator, clock: clock)
/// try epochs.export(computed.epoch, to: "out")
/// ```
public struct RewardEpochs: Sendable {
  public let store: Store
  public let datanet: DatanetState

  public init(store: Store, datanet: DatanetState) {
    self.store = store
    self.datanet = datanet
  }

  /// An epoch as the catalog lists it.
  public struct Epoch: Codable, Sendable, Equatable {
    public var epoch: UInt64
    /// The `rewards.epoch` event.
    public var event: Digest
    public var manifest: Digest
    public var leaves: Digest
    public var tree: Digest
    /// The inference log object (its SHA-256).
    public var log: Digest
    public var allocations: Digest
    public var root: Digest
    public var inferences: Int
    public var accounts: Int
    public var fees: DecimalAmount
    public var cumulative: DecimalAmount
    /// The curator who recorded it, and when.
    public var actor: AccountID
    public var time: String
    /// The model operator's signed statement about the log, when it was signed.
    public var signedLog: Digest?
  }

  /// One account's part of an epoch.
  public struct Allocation: Codable, Sendable, Equatable {
    public var account: AccountID
    /// Earned in this epoch.
    public var amount: DecimalAmount
    /// Earned in all epochs up to this one: the leaf.
    public var cumulative: DecimalAmount
    public var roles: [RewardRole]
    /// Attribution units of this epoch's outputs credited to the account.
    public var units: DecimalAmount
    /// How many of this epoch's inferences paid the account.
    public var inferences: Int
  }

  // MARK: - Reading

  /// Every epoch, first to last.
  public func list() throws -> [Epoch] {
    try store.catalog.read(datanet: datanet.id) { db, num in
      return try Row.fetchAll(
        db, sql: "SELECT * FROM reward_epochs WHERE datanet = ? ORDER BY epoch", arguments: [num]
      ).map(Self.epoch(from:))
    }
  }

  /// Epoch `number`, or the latest when nil.
  public func epoch(_ number: UInt64? = nil) throws -> Epoch {
    let all = try list()
    guard let last = all.last else { throw RewardsError.noEpochs(datanet: datanet.name) }
    guard let number else { return last }
    guard let found = all.first(where: { $0.epoch == number }) else {
      throw RewardsError.unknownEpoch(datanet: datanet.name, epoch: number, last: last.epoch)
    }
    return found
  }

  /// The epoch whose manifest is `manifest`, if it is one of this Datanet's.
  public func epoch(manifest: Digest) throws -> Epoch? {
    try list().first { $0.manifest == manifest }
  }

  /// The accounts of `epoch`, by account id.
  public func allocations(of epoch: Epoch) throws -> [Allocation] {
    try store.catalog.read(datanet: datanet.id) { db, num in
      return try Row.fetchAll(
        db,
        sql: """
          SELECT account, amount, cumulative, roles, units, inferences FROM reward_allocations
          WHERE datanet = ? AND epoch = ? ORDER BY account
          """, arguments: [num, epoch.epoch]
      ).map { row in
        Allocation(
          account: AccountID(hex: row["account"])!,
          amount: try Self.amount(row["amount"]), cumulative: try Self.amount(row["cumulative"]),
          roles: (row["roles"] as String).split(separator: ",").compactMap {
            RewardRole(rawValue: String($0))
          }, units: try Self.amount(row["units"]), inferences: row["inferences"])
      }
    }
  }

  /// How each of `epoch`'s inferences was divided.
  public func inferenceShares(of epoch: Epoch) throws -> EpochAllocations {
    try EpochAllocations.decode(
      store.objects.read(epoch.allocations), name: epoch.allocations.short)
  }

  /// The manifest of `epoch` with its leaves and tree, read back from the objects (each
  /// re-hashed) and checked against each other.
  public func bundle(of epoch: Epoch) throws -> ManifestBundle {
    try ManifestBundle.load(
      envelope: store.objects.read(epoch.manifest), leavesFile: store.objects.read(epoch.leaves),
      name: "manifest \(epoch.manifest.short)")
  }

  // MARK: - Computing

  /// What `compute` recorded.
  public struct Computed: Sendable {
    public var epoch: Epoch
    public var event: SignedEvent
    public var allocation: EpochAllocation
    public var manifest: RewardsManifest
  }

  /// Computes and records the next epoch: attributes every output of `log`, splits every fee by
  /// the Datanet's policy (overridden by `settings`), signs the manifest as `identity` and
  /// records it as a `rewards.epoch` event. Only a curator may; the check comes first, so a
  /// refused computation writes nothing. `requestedEpoch`, when given, must be the next epoch.
  /// `ledgerHeads`, the heads the attributor's masking was taken at (the current ones when not
  /// given), go into the manifest so that `--recompute` masks the same records, and the leaves
  /// (format v2) pay each account's payout address as of those heads.
  ///
  /// `signedLog`, the operator's signed statement about `log`, is checked (an operator of the
  /// Datanet, about this log, Datanet and token), stored and recorded with the epoch; the
  /// manifest says the operator owes the log's fees. The policy can require one.
  ///
  /// Another computation may record an epoch while this one runs. Then, unless an epoch was
  /// requested, this one is numbered, checked and split again after it (the attribution, the
  /// long part, is kept), up to `attempts` times in all.
  public func compute(
    log: RewardLog, requestedEpoch: UInt64? = nil, settings: RewardSettings = RewardSettings(),
    attributor: some OutputAttributing, ledgerHeads: [Digest]? = nil,
    signedLog: SignedInferenceLog? = nil, by identity: Identity, clock: any Clock
  ) throws -> Computed {
    try checkMayCompute(identity.account)
    let lock = try store.lock(.shared)
    defer { withExtendedLifetime(lock) {} }
    let heads = try ledgerHeads?.sorted() ?? Ledger(store: store).heads(of: datanet.id)
    let (policy, token) = try settings.merged(over: datanet.policy.rewards ?? RewardSettings())
      .resolve(curators: datanet.curators, owner: datanet.owner)
    let operators = try check(signedLog, of: log, token: token)
    let recipients = try store.catalog.read { db in
      try PayoutCatalog.addresses(of: datanet.id, asOf: heads, in: db).mapValues(\.address)
    }
    // The log is checked before it is attributed, so a refused log costs nothing.
    var (next, previous) = try nextEpoch(for: log, requested: requestedEpoch)
    let weights = EpochComputation.weights(of: log, attributor: attributor)
    var attempt = 1
    while true {
      let computation = try EpochComputation.run(
        datanet: datanet.id, start: .init(previous: previous), ledgerHeads: heads, log: log,
        weights: weights, attributor: attributor, policy: policy, token: token,
        recipients: recipients, operators: operators, signer: identity)
      do {
        let event = try record(
          computation, of: log, signedLog: signedLog, as: next, by: identity, clock: clock)
        return Computed(
          epoch: try epoch(next), event: event, allocation: computation.allocation,
          manifest: computation.bundle.manifest)
      } catch RewardsError.epochRecorded(_, let epoch) where epoch == next {
        // Another computation recorded this epoch number first.
        guard requestedEpoch == nil, attempt < Self.attempts else {
          throw RewardsError.epochRecordedMeanwhile(
            datanet: datanet.name, epoch: next, requested: requestedEpoch != nil)
        }
        attempt += 1
        (next, previous) = try nextEpoch(for: log, requested: nil)
      }
    }
  }

  /// How many times `compute` numbers and records an epoch before it gives up.
  static let attempts = 5

  /// Checks `signedLog` against the Datanet, `log` and `token`, and the policy's requirement
  /// of one; returns what the manifest says the operator owes.
  private func check(_ signedLog: SignedInferenceLog?, of log: RewardLog, token: RewardToken)
    throws -> [RewardsPredicate.OperatorFees]
  {
    guard let signedLog else {
      if datanet.policy.requiresSignedLog { throw RewardsError.unsignedLog(datanet: datanet.name) }
      return []
    }
    let operatorAccount = signedLog.statement.operatorAccount
    try SignedInferenceLog.checkSigner(operatorAccount, of: datanet)
    if let reason = signedLog.mismatch(
      log: log.digest, inferences: log.inferences.count, fees: log.totalFees, token: token,
      datanet: datanet.id)
    {
      throw RewardsError.signedLogMismatch(
        path: "the signed log \(signedLog.id.short)", log: log.name, reason: reason)
    }
    return [.init(account: operatorAccount, owes: log.totalFees, signedLog: signedLog.id)]
  }

  /// The epoch `log` would be recorded as, and the previous epoch's manifest; throws when that
  /// is not `requested`, or when the log, or an inference in it, was paid already.
  private func nextEpoch(for log: RewardLog, requested: UInt64?) throws -> (
    UInt64, ManifestBundle?
  ) {
    let last = try store.catalog.read(datanet: datanet.id) { db, num in
      try RewardsCatalog.lastEpoch(of: num, in: db)
    }
    let next = (last?.epoch ?? 0) + 1
    if let requested, requested != next {
      if requested < next {
        throw RewardsError.epochExists(datanet: datanet.name, epoch: requested)
      }
      throw RewardsError.epochOutOfOrder(datanet: datanet.name, epoch: requested, next: next)
    }
    let previous = try last.map { try self.bundle(of: epoch($0.epoch)) }
    // The same fees must not be paid twice: an epoch's log is kept as an object named by its
    // SHA-256, so a log already paid is found by id.
    let logID = Digest.of(log.bytes)
    let earlier = try list()
    if let paid = earlier.first(where: { $0.log == logID }) {
      throw RewardsError.logAlreadyPaid(log: log.name, datanet: datanet.name, epoch: paid.epoch)
    }
    // Nor the same inference in another log: an id an earlier epoch paid is refused, naming
    // its line. The earlier logs are read back from their objects (a pass over the history).
    try checkNotPaid(log, earlier: earlier)
    return (next, previous)
  }

  /// Stores the objects of `computation`, then records the event that references them. They
  /// are listed in a journal first: if the event is refused they are deleted at once, and if
  /// the process dies before it is recorded the next write deletes them (`ObjectJournal`), so
  /// a killed computation never looks like a ledger that lost its epoch.
  private func record(
    _ computation: EpochComputation, of log: RewardLog, signedLog: SignedInferenceLog?,
    as next: UInt64, by identity: Identity, clock: any Clock
  ) throws -> SignedEvent {
    let built = computation.bundle
    let allocations = try EpochAllocations(computation.allocation, log: log).encoded()
    let objects = store.objects
    var files = [log.bytes, built.leavesFile, Data(built.tree.nodes), allocations]
    if let signedLog { files.append(signedLog.bytes) }
    let journal = try ObjectJournal.begin(
      (files + [built.manifest.bytes]).map(Digest.of), in: store)
    do {
      try objects.put(log.bytes)
      try objects.put(built.leavesFile)
      let tree = try objects.put(Data(built.tree.nodes))
      let allocationsID = try objects.put(allocations)
      try objects.put(built.manifest.bytes)
      if let signedLog { try objects.put(signedLog.bytes) }
      let body = RewardsEpoch(
        epoch: next, manifest: built.manifest.id, tree: tree, allocations: allocationsID,
        signedLog: signedLog?.id)
      let event = try Ledger(store: store).append(
        .rewardsEpoch(body), to: datanet.id, by: identity, clock: clock)
      journal.finish()
      return event
    } catch {
      journal.abort()
      throw error
    }
  }

  /// Throws unless `account` may record epochs of the Datanet (its curators may).
  public func checkMayCompute(_ account: AccountID) throws {
    try datanet.requireCurator(account, to: "compute reward epochs of '\(datanet.name)'")
  }

  /// Verifies `epoch`'s manifest where the store keeps it, as `manifest verify` does an export:
  /// the objects stand in for the files, the Datanet's curators and the epoch's recorder are
  /// trusted, the previous epoch comes from the store, and the ledger is this store's.
  public func verify(_ epoch: Epoch) -> VerificationReport {
    let objects = store.objects
    var trusted = [AccountID: String]()
    for curator in datanet.curators { trusted[curator] = "a curator of \(datanet.name)" }
    if trusted[epoch.actor] == nil {
      trusted[epoch.actor] = "recorded epoch \(epoch.epoch) of \(datanet.name)"
    }
    let previous = try? list().first { $0.epoch + 1 == epoch.epoch }
    var verifier = ManifestVerifier(trusted: trusted) { id in
      guard let previous, previous.manifest == id else { return nil }
      return PreviousManifest(
        envelope: try objects.read(id), leaves: try objects.read(previous.leaves),
        source: "the store")
    }
    verifier.ledger = { try ledgerRecord(of: $0) }
    var report = verifier.verify(path: objects.path(for: epoch.manifest)) { name in
      switch name {
      case ManifestFiles.leaves: objects.path(for: epoch.leaves)
      case ManifestFiles.tree: objects.path(for: epoch.tree)
      default: nil
      }
    }
    if let id = report.manifest, id != epoch.manifest {
      report.checks.insert(
        CheckResult(
          .envelope, .failed,
          "the manifest object's bytes hash to \(id.short), not to its name \(epoch.manifest.short)"
        ),
        at: 0)
    }
    return report
  }

  /// Throws `inferenceAlreadyPaid` for the first inference of `log` whose id an epoch of
  /// `earlier` paid.
  private func checkNotPaid(_ log: RewardLog, earlier: [Epoch]) throws {
    guard !earlier.isEmpty else { return }
    var paidIn = [String: UInt64]()
    for epoch in earlier {
      let paid = try RewardLog.parse(
        store.objects.read(epoch.log), name: "the inference log of epoch \(epoch.epoch)")
      for inference in paid.inferences where paidIn[inference.id] == nil {
        paidIn[inference.id] = epoch.epoch
      }
    }
    if let repeated = log.inferences.first(where: { paidIn[$0.id] != nil }) {
      throw RewardsError.inferenceAlreadyPaid(
        log: log.name, line: repeated.line, id: repeated.id, datanet: datanet.name,
        epoch: paidIn[repeated.id]!)
    }
  }

  // MARK: - Export and recompute

  /// Writes `epoch`'s manifest, leaves and tree, and the previous epoch's manifest and leaves,
  /// to `directory`, copied from the objects (each re-hashed against its id; the previous
  /// leaves also against the previous manifest's subject digest). A directory that exists must
  /// be empty unless `force`, so that no stale file of another export sits beside the new one.
  public func export(_ epoch: Epoch, to directory: String, force: Bool = false) throws {
    try ExportError.checkOutput(directory, force: force)
    let objects = store.objects
    let envelope = try objects.read(epoch.manifest)
    var previous: (envelope: Data, leaves: Data)?
    if let previousID = try RewardsManifest.decode(envelope, name: epoch.manifest.short)
      .predicate.previousManifest
    {
      guard let before = try self.epoch(manifest: previousID) else {
        throw RewardsError.notOfDatanet(manifest: previousID, datanet: datanet.name)
      }
      // Loading the bundle re-hashes both objects and checks the leaves against the manifest.
      let bundle = try bundle(of: before)
      previous = (bundle.manifest.bytes, bundle.leavesFile)
    }
    try ManifestFiles.write(
      envelope: envelope, leaves: objects.read(epoch.leaves), tree: objects.read(epoch.tree),
      previousEnvelope: previous?.envelope, previousLeaves: previous?.leaves, to: directory)
  }

  /// The leaves file that attributing and splitting `manifest`'s inference log again gives,
  /// with the manifest's own policy and attribution settings and the store's current index.
  /// `log` replaces the stored log when given (it must be the same bytes to match).
  public func recomputeLeaves(
    of manifest: RewardsManifest, log: RewardLog?, attributor: some OutputAttributing
  ) throws -> Data {
    let predicate = manifest.predicate
    guard predicate.datanet == datanet.id else {
      throw RewardsError.notOfDatanet(manifest: manifest.id, datanet: datanet.name)
    }
    let log =
      try log
      ?? RewardLog.parse(
        store.objects.read(predicate.inferenceLog.sha256),
        name: "inference log \(predicate.inferenceLog.sha256.short)")
    let previous = try predicate.previousManifest.map { id -> ManifestBundle in
      guard let epoch = try epoch(manifest: id) else {
        throw RewardsError.notOfDatanet(manifest: id, datanet: datanet.name)
      }
      return try bundle(of: epoch)
    }
    let recipients = try store.catalog.read { db in
      try PayoutCatalog.addresses(of: datanet.id, asOf: predicate.ledgerHeads, in: db)
        .mapValues(\.address)
    }
    return try EpochComputation.recomputeLeaves(
      of: manifest, log: log, attributor: attributor, previous: previous, recipients: recipients)
  }

  private static func epoch(from row: Row) throws -> Epoch {
    Epoch(
      epoch: row["epoch"], event: Digest(hex: row["event"])!,
      manifest: Digest(hex: row["manifest"])!, leaves: Digest(hex: row["leaves"])!,
      tree: Digest(hex: row["tree"])!, log: Digest(hex: row["log"])!,
      allocations: Digest(hex: row["allocations"])!, root: Digest(hex: row["root"])!,
      inferences: row["inferences"], accounts: row["accounts"], fees: try amount(row["fees"]),
      cumulative: try amount(row["cumulative"]), actor: AccountID(hex: row["actor"])!,
      time: row["time"], signedLog: (row["signed_log"] as String?).flatMap(Digest.init(hex:)))
  }

  private static func amount(_ text: String) throws -> DecimalAmount {
    DecimalAmount(try TokenAmount.parseAmount(text).get())
  }
}
