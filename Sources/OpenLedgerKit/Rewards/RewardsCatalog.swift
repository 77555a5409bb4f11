import Foundation
import GRDB

/// Applies `rewards.epoch` events to the catalog. `EventApplier` calls this both when an epoch
/// is written and when the catalog is rebuilt or the ledger verified, so both paths check the
/// same things: the actor is a curator, the epoch is the next one, and the objects it names are
/// there and agree with each other (the manifest is the actor's and names this Datanet, epoch
/// and previous manifest; the leaves give its root and sum; the allocations add up to the
/// difference between this epoch's leaves and the previous one's).
enum RewardsCatalog {
  static func record(
    _ event: SignedEvent, _ body: RewardsEpoch, state: DatanetState, objects: ObjectStore,
    in db: Database
  ) throws {
    let actor = event.payload.actor
    guard state.isCurator(actor) else {
      throw LedgerError.notPermitted(
        actor: actor, action: "record reward epochs of '\(state.name)'",
        requirement: "only its curators may ("
          + (state.curators.isEmpty
            ? "it has none" : state.curators.map(\.fingerprint).joined(separator: ", ")) + ")")
    }
    let datanet = try ContributionCatalog.datanetNumber(state.id, in: db)
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
        read(leavesID, "leaves file"), datanet: state.id, epoch: body.epoch)
    } catch let error as RewardLeaves.FormatError {
      throw refuse("its leaves file \(error.description)")
    }
    guard leaves.count == predicate.leafCount, leaves.total == predicate.totals.cumulative.value,
      predicate.totals.previousCumulative.value == (previous?.cumulative ?? 0)
    else { throw refuse("the leaves' count or sum is not the manifest's") }
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
          allocations, root, inferences, accounts, fees, cumulative, actor, time)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        datanet, body.epoch, event.id.hex, body.manifest.hex, leavesID.hex, body.tree.hex,
        predicate.inferenceLog.sha256.hex, body.allocations.hex, predicate.merkleRoot.hex,
        predicate.inferenceLog.inferences, leaves.count, predicate.totals.epochFees.description,
        predicate.totals.cumulative.description, actor.hex, event.payload.time,
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
    ] {
      try ObjectRefs.add(id, kind: .manifest, size: size >= 0 ? size : objects.size(of: id), in: db)
    }
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
