import Foundation
import GRDB

/// Applies `rewards.epoch` events to the catalog. `EventApplier` calls this both when an epoch
/// is written and when the catalog is rebuilt or the ledger verified, so both paths check the
/// same things: the actor is a curator, the epoch is the next one, and the objects it names are
/// there and agree with each other (the manifest is the actor's and names this Datanet, epoch
/// and previous manifest; the leaves give its root and sum; the allocations add up to the
/// difference between this epoch's leaves and the previous one's). In leaf format v2 the
/// leaves pay each account's payout address as of the manifest's ledger heads, and a signed
/// inference log must be its operator's (an operator in the event's causal past) and about the
/// epoch's log; the policy can require one.
enum RewardsCatalog {
  /// `requiresSignedLog`: the policy as the event's author could know it. `checkOperator` is
  /// called with the signed log's operator and throws when the operator's removal wins.
  static func record(
    _ event: SignedEvent, _ body: RewardsEpoch, state: DatanetState, requiresSignedLog: Bool,
    objects: ObjectStore, in db: Database, causality: Causality?,
    checkOperator: (AccountID) throws -> Void
  ) throws {
    let actor = event.payload.actor
    try state.requireCurator(actor, to: "record reward epochs of '\(state.name)'")
    let datanet = try DatanetRow.number(of: state.id, in: db)
    let previous = try lastEpoch(of: datanet, in: db)
    let next = (previous?.epoch ?? 0) + 1
    if body.epoch < next {
      let error = RewardsError.epochRecorded(datanet: state.name, epoch: body.epoch)
      guard
        let recorded = try String.fetchOne(
          db, sql: "SELECT event FROM reward_epochs WHERE datanet = ? AND epoch = ?",
          arguments: [datanet, body.epoch]
        ).flatMap(Digest.init(hex:))
      else { throw error }
      throw SettledConflict(settledBy: recorded, error)
    }
    if body.epoch > next {
      throw RewardsError.epochOutOfOrder(datanet: state.name, epoch: body.epoch, next: next)
    }
    func refuse(_ reason: String) -> LedgerError {
      .corruptEvent(event.id, reason: "rewards epoch \(body.epoch): \(reason)")
    }
    func read(_ id: Digest, _ what: String) throws -> Data {
      do {
        return try objects.read(id)
      } catch let error as OpenLedgerError {
        throw refuse("its \(what) \(id.short) cannot be read: \(error.description)")
      }
    }

    let manifest: RewardsManifest
    do {
      manifest = try RewardsManifest.decode(
        read(body.manifest, "manifest"), name: "manifest \(body.manifest.short)")
    } catch let error as RewardsError {
      throw refuse(error.description)
    }
    let predicate = manifest.predicate
    guard predicate.datanet == state.id, predicate.epoch == body.epoch else {
      throw refuse(
        "the manifest is of Datanet \(predicate.datanet.short), epoch \(predicate.epoch)")
    }
    guard manifest.envelope.isSigned(by: actor) else {
      throw refuse("the manifest is not signed by the event's actor \(actor.fingerprint)")
    }
    guard predicate.previousManifest == previous?.manifest else {
      throw refuse(
        "the manifest follows \(predicate.previousManifest?.short ?? "no manifest"), not the "
          + "previous epoch's \(previous?.manifest.short ?? "(none, this is epoch 1)")")
    }
    guard let leavesID = manifest.subjectDigest(ManifestFiles.leaves) else {
      throw refuse("the manifest names no leaves file")
    }
    let leaves: RewardLeaves
    do {
      leaves = try RewardLeaves.parse(
        read(leavesID, "leaves file"), datanet: state.id, epoch: body.epoch,
        format: manifest.leafFormat)
    } catch let error as RewardLeaves.FormatError {
      throw refuse("its leaves file \(error.description)")
    }
    guard leaves.count == predicate.leafCount, leaves.total == predicate.totals.cumulative.value,
      predicate.totals.previousCumulative.value == (previous?.cumulative ?? 0)
    else { throw refuse("the leaves' count or sum is not the manifest's") }
    if let problem = leaves.payoutProblem(predicate) { throw refuse(problem) }
    if leaves.format == .v2 {
      try checkRecipients(
        leaves, of: predicate, event: event, in: db, causality: causality, refuse: refuse)
    }
    let signedLog = try checkSignedLog(
      body.signedLog, manifest: manifest, state: state, requiresSignedLog: requiresSignedLog,
      read: read, refuse: refuse)
    if let signedLog { try checkOperator(signedLog.statement.operatorAccount) }
    let tree = try read(body.tree, "tree")
    guard tree.count == (2 * leaves.count - 1) * 32,
      Digest(bytes: tree.prefix(32)) == predicate.merkleRoot
    else { throw refuse("the tree object is not the tree of the manifest's root") }
    guard objects.contains(predicate.inferenceLog.sha256) else {
      throw refuse("its inference log \(predicate.inferenceLog.sha256.short) is not in the store")
    }
    let allocations: EpochAllocations
    do {
      allocations = try EpochAllocations.decode(
        read(body.allocations, "allocations"), name: body.allocations.short)
    } catch let error as RewardsError {
      throw refuse(error.description)
    }
    guard allocations.lines.count == predicate.inferenceLog.inferences else {
      throw refuse(
        "the allocations list \(allocations.lines.count) inferences, the log holds "
          + "\(predicate.inferenceLog.inferences)")
    }

    // The leaves must be the previous leaves plus this epoch's shares, account by account.
    let totals = allocations.totals()
    var earlier = [AccountID: TokenAmount]()
    if let previous {
      for row in try Row.fetchAll(
        db,
        sql: "SELECT account, cumulative FROM reward_allocations WHERE datanet = ? AND epoch = ?",
        arguments: [datanet, previous.epoch])
      {
        earlier[AccountID(hex: row["account"])!] = try TokenAmount.parseAmount(
          row["cumulative"] as String
        ).get()
      }
    }
    var expected = earlier
    for (account, total) in totals { expected[account, default: 0] += total.amount }
    let cumulative = leaves.cumulative
    guard expected == cumulative else {
      let wrong = Set(expected.keys).union(cumulative.keys).sorted().first {
        expected[$0] != cumulative[$0]
      }!
      throw refuse(
        "account \(wrong.hex) has \(cumulative[wrong]?.decimalString ?? "no leaf") in the leaves, "
          + "but its earlier amount and this epoch's shares make "
          + (expected[wrong]?.decimalString ?? "nothing"))
    }

    try db.execute(
      sql: """
        INSERT INTO reward_epochs (datanet, epoch, event, manifest, leaves, tree, log,
          allocations, root, inferences, accounts, fees, cumulative, actor, time, signed_log)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        datanet, body.epoch, event.id.hex, body.manifest.hex, leavesID.hex, body.tree.hex,
        predicate.inferenceLog.sha256.hex, body.allocations.hex, predicate.merkleRoot.hex,
        predicate.inferenceLog.inferences, leaves.count, predicate.totals.epochFees.description,
        predicate.totals.cumulative.description, actor.hex, event.payload.time,
        body.signedLog?.hex,
      ])
    let insert = try db.cachedStatement(
      sql: """
        INSERT INTO reward_allocations (datanet, epoch, account, amount, cumulative, roles, units,
          inferences) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
    for (account, amount) in cumulative {
      let total = totals[account] ?? EpochAllocations.AccountTotal()
      try insert.execute(arguments: [
        datanet, body.epoch, account.hex, total.amount.decimalString, amount.decimalString,
        total.roles.sorted().map(\.rawValue).joined(separator: ","), total.units.decimalString,
        total.inferences,
      ])
    }
    for (id, size) in [
      (body.manifest, manifest.bytes.count), (leavesID, -1), (body.tree, tree.count),
      (predicate.inferenceLog.sha256, -1), (body.allocations, -1),
    ] + (signedLog.map { [($0.id, $0.bytes.count)] } ?? []) {
      try ObjectRefs.add(id, kind: .manifest, size: size >= 0 ? size : objects.size(of: id), in: db)
    }
  }

  /// Throws unless every v2 leaf pays its account's payout address as the ledger stood at the
  /// manifest's heads (the zero address for an account that had none), and those heads are
  /// events of the Datanet folded before this one.
  private static func checkRecipients(
    _ leaves: RewardLeaves, of predicate: RewardsPredicate, event: SignedEvent, in db: Database,
    causality: Causality?, refuse: (String) -> LedgerError
  ) throws {
    if let head = try PayoutCatalog.unknown(predicate.ledgerHeads, of: event.datanet, in: db).first
    {
      throw refuse(
        "the manifest's ledger head \(head.hex) is not an event of the Datanet that comes "
          + "before this one")
    }
    let addresses = try PayoutCatalog.addresses(
      of: event.datanet, asOf: predicate.ledgerHeads, in: db, causality: causality)
    for index in 0..<leaves.count {
      let account = leaves.account(at: index)
      let expected = addresses[account]?.address ?? .zero
      let paid = leaves.recipient(at: index)!
      if paid != expected {
        throw refuse(
          "account \(account.hex)'s leaf pays \(paid.hex), but its payout address in the ledger "
            + "at the manifest's heads is "
            + (expected.isZero ? "not set (the zero address)" : expected.hex))
      }
    }
  }

  /// The epoch's signed inference log, checked: a v2 manifest, a statement about the epoch's
  /// log (SHA-256, inference count, fees, token, Datanet) by an operator of the Datanet (as the
  /// event's author could know), and the manifest's `operators` naming it with the fees. Nil
  /// when the epoch has none, which the policy may forbid.
  private static func checkSignedLog(
    _ id: Digest?, manifest: RewardsManifest, state: DatanetState, requiresSignedLog: Bool,
    read: (Digest, String) throws -> Data, refuse: (String) -> LedgerError
  ) throws -> SignedInferenceLog? {
    let predicate = manifest.predicate
    guard let id else {
      if !(predicate.operators ?? []).isEmpty {
        throw refuse("the manifest names operators, but the event records no signed log")
      }
      if requiresSignedLog {
        throw refuse(
          "the Datanet's policy requires a signed inference log (`datanet update "
            + "--require-signed-log`), and the event records none")
      }
      return nil
    }
    guard manifest.leafFormat == .v2 else {
      throw refuse("a v1 manifest cannot record a signed inference log")
    }
    let signed: SignedInferenceLog
    do {
      signed = try SignedInferenceLog.decode(read(id, "signed log"), name: "signed log \(id.short)")
    } catch let error as RewardsError {
      throw refuse(error.description)
    }
    let statement = signed.statement
    if let reason = signed.mismatch(
      log: predicate.inferenceLog.sha256, inferences: predicate.inferenceLog.inferences,
      fees: predicate.totals.epochFees.value, token: predicate.token, datanet: state.id)
    {
      throw refuse("its signed log \(id.short): \(reason)")
    }
    try SignedInferenceLog.checkSigner(statement.operatorAccount, of: state)
    let expected = [
      RewardsPredicate.OperatorFees(
        account: statement.operatorAccount, owes: statement.fees.value, signedLog: id)
    ]
    guard predicate.operators == expected else {
      throw refuse(
        "the manifest's operators are not the signed log's operator \(statement.operatorAccount.hex) "
          + "owing \(statement.fees)")
    }
    return signed
  }

  struct LastEpoch {
    var epoch: UInt64
    var manifest: Digest
    var cumulative: TokenAmount
  }

  static func lastEpoch(of datanet: Int64, in db: Database) throws -> LastEpoch? {
    guard
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT epoch, manifest, cumulative FROM reward_epochs WHERE datanet = ?
          ORDER BY epoch DESC LIMIT 1
          """, arguments: [datanet])
    else { return nil }
    return LastEpoch(
      epoch: row["epoch"], manifest: Digest(hex: row["manifest"])!,
      cumulative: try TokenAmount.parseAmount(row["cumulative"] as String).get())
  }
}

extension RewardsEpoch: EventApplying {
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    let causality = context.causality
    let state = try context.judgedState(of: event)
    try RewardsCatalog.record(
      event, self, state: state,
      requiresSignedLog: try requiresSignedLog(event, state: state, in: context),
      objects: context.objects, in: context.db, causality: causality
    ) { operatorAccount in
      // Removal wins for operators as for curators: an epoch paid from the log of an
      // operator whom the owner removed concurrently has no effect.
      guard
        let removal = causality?.concurrentRemoval(
          of: operatorAccount, as: .operator, at: event.id, in: event.datanet)
      else { return }
      throw EventApplier.Overridden(
        reason: "the operator \(operatorAccount.fingerprint) whose signed log it pays was "
          + "removed by event \(removal.hex), concurrent with it: a removal wins")
    }
  }

  /// Whether the Datanet's policy, as `event`'s author could know it, requires a signed
  /// inference log: during a replay, the policy of the latest `datanet.update` setting one in
  /// the event's causal past (in the fold's order), else the create's; when writing, the
  /// current policy.
  private func requiresSignedLog(
    _ event: SignedEvent, state: DatanetState, in context: EventContext
  ) throws -> Bool {
    guard let causality = context.causality else { return state.policy.requiresSignedLog }
    let objects = context.objects
    let create = try SignedEvent.verified(id: event.datanet, bytes: objects.read(event.datanet))
    guard case .datanetCreate(let created) = create.payload.body else { return false }
    // The updates that set a policy, latest in the fold's order first (updates are few).
    var settings = [(event: Digest, requires: Bool)]()
    for id in try String.fetchAll(
      context.db,
      sql: """
        SELECT id FROM events WHERE datanet = ? AND type = ? AND overridden IS NULL
        ORDER BY seq DESC
        """, arguments: [event.datanet.hex, EventType.datanetUpdate.rawValue]
    ).compactMap(Digest.init(hex:)) {
      let update = try SignedEvent.verified(id: id, bytes: objects.read(id))
      if case .datanetUpdate(let body) = update.payload.body, let policy = body.policy {
        settings.append((id, policy.requiresSignedLog))
      }
    }
    if settings.allSatisfy({ $0.requires == created.policy.requiresSignedLog }) {
      return created.policy.requiresSignedLog
    }
    let seen = causality.candidates(Set(settings.map(\.event)), inPastOf: event.payload.parents)
    return settings.first { seen.contains($0.event) }?.requires
      ?? created.policy.requiresSignedLog
  }
}
