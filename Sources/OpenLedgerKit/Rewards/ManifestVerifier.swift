import Foundation

/// The checks `manifest verify` runs, in order.
public enum ManifestCheck: String, Codable, Sendable, CaseIterable {
  /// The file is a DSSE envelope around an in-toto statement with the rewards predicate.
  case envelope
  /// A signature verifies against a trusted key (a curator, or `--key`).
  case signature
  /// Every subject file next to the envelope has the SHA-256 the statement gives.
  case subject
  /// `leaves.jsonl` is canonical, sorted by leaf hash, one leaf per account, `leafCount` lines.
  case leaves
  /// The Merkle root recomputed from the leaves is the statement's.
  case root
  /// `tree.bin`, when present, is the tree recomputed from the leaves.
  case tree
  /// The leaves sum to the cumulative total, which is the previous total plus the epoch's fees.
  case sum
  /// The previous epoch's manifest is the one named, one epoch earlier, of the same Datanet,
  /// with the cumulative total this one starts from, and no account's amount went down.
  case chain
  /// Inside a store that holds the Datanet: the store's ledger holds the `rewards.epoch` event
  /// of the manifest's epoch and the ledger heads the manifest names, and that event recorded
  /// this manifest, not another (a replacement signed later). Skipped where no store holds the
  /// Datanet.
  case ledger
  /// Attribution and allocation, re-run from the store and the inference log, give the same
  /// leaves byte for byte.
  case recompute
}

/// The outcome of one check.
public struct CheckResult: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable {
    case passed, failed, skipped
  }

  public var check: ManifestCheck
  public var status: Status
  public var detail: String

  public init(_ check: ManifestCheck, _ status: Status, _ detail: String) {
    self.check = check
    self.status = status
    self.detail = detail
  }
}

/// What `manifest verify` found.
public struct VerificationReport: Encodable, Sendable, Equatable {
  public var path: String
  /// The manifest id (SHA-256 of the envelope file), when the file could be read.
  public var manifest: Digest?
  public var datanet: Digest?
  public var epoch: UInt64?
  public var checks: [CheckResult]

  public var passed: Bool { !checks.contains { $0.status == .failed } }
  public var failed: [ManifestCheck] { checks.filter { $0.status == .failed }.map(\.check) }

  enum CodingKeys: String, CodingKey {
    case path, manifest, datanet, epoch, checks, passed
  }

  public init(
    path: String, manifest: Digest?, datanet: Digest?, epoch: UInt64?, checks: [CheckResult]
  ) {
    self.path = path
    self.manifest = manifest
    self.datanet = datanet
    self.epoch = epoch
    self.checks = checks
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(path, forKey: .path)
    try container.encodeIfPresent(manifest, forKey: .manifest)
    try container.encodeIfPresent(datanet, forKey: .datanet)
    try container.encodeIfPresent(epoch, forKey: .epoch)
    try container.encode(checks, forKey: .checks)
    try container.encode(passed, forKey: .passed)
  }
}

/// A previous epoch's manifest as the chain check finds it.
public struct PreviousManifest: Sendable {
  public var envelope: Data
  /// Its `leaves.jsonl`, when available, for checking that no amount went down.
  public var leaves: Data?
  /// Where it was found, for messages.
  public var source: String

  public init(envelope: Data, leaves: Data?, source: String) {
    self.envelope = envelope
    self.leaves = leaves
    self.source = source
  }
}

/// Verifies an exported manifest offline: every check runs that can, so one report shows all
/// that is wrong.
public struct ManifestVerifier: Sendable {
  /// The accounts whose signature makes a manifest trusted, each with why (for messages).
  public var trusted: [AccountID: String]
  /// Finds the previous epoch's manifest by id; the export directory's
  /// `previous-manifest.json` is tried first.
  public var previous: @Sendable (Digest) throws -> PreviousManifest?
  /// Re-runs attribution and allocation and returns what they give, for `recompute`.
  public var recompute: (@Sendable (RewardsManifest) throws -> Recomputation)?
  /// What the store's ledger holds for a manifest, for `ledger`; set only when a store that
  /// holds the manifest's Datanet is at hand (without it the check is skipped).
  public var ledger: (@Sendable (RewardsManifest) throws -> LedgerRecord)?

  /// What re-running an epoch gave: its leaves file, and the index segments it searched.
  public struct Recomputation: Sendable {
    public var leaves: Data
    public var indexSegments: [Digest]

    public init(leaves: Data, indexSegments: [Digest]) {
      self.leaves = leaves
      self.indexSegments = indexSegments
    }
  }

  public init(
    trusted: [AccountID: String],
    previous: @escaping @Sendable (Digest) throws -> PreviousManifest? = { _ in nil },
    recompute: (@Sendable (RewardsManifest) throws -> Recomputation)? = nil,
    ledger: (@Sendable (RewardsManifest) throws -> LedgerRecord)? = nil
  ) {
    self.trusted = trusted
    self.previous = previous
    self.recompute = recompute
    self.ledger = ledger
  }

  /// Verifies the envelope at `path`, with its files beside it.
  public func verify(path: String) -> VerificationReport {
    let directory = (path as NSString).deletingLastPathComponent
    let base = directory.isEmpty ? "." : directory
    return verify(path: path) { "\(base)/\($0)" }
  }

  /// Verifies the envelope at `path`, finding its files (`leaves.jsonl`, `tree.bin`,
  /// `previous-manifest.json`, `previous-leaves.jsonl`) where `locate` says; nil means the file
  /// is not there. Each check is one method below, in `ManifestCheck`'s order; a check that
  /// leaves nothing for the later ones to read marks them skipped.
  public func verify(path: String, locate: (String) -> String?) -> VerificationReport {
    var report = VerificationReport(
      path: path, manifest: nil, datanet: nil, epoch: nil, checks: [])
    func skippingRest(after check: ManifestCheck, because reason: String) -> VerificationReport {
      let all = ManifestCheck.allCases
      for later in all[(all.firstIndex(of: check)! + 1)...]
      where !report.checks.contains(where: { $0.check == later }) {
        if later == .recompute, recompute == nil { continue }
        report.checks.append(CheckResult(later, .skipped, reason))
      }
      return report
    }

    let (envelope, loaded) = checkEnvelope(path)
    report.checks.append(envelope)
    guard let manifest = loaded else {
      return skippingRest(after: .envelope, because: "the envelope could not be read")
    }
    report.manifest = manifest.id
    report.datanet = manifest.predicate.datanet
    report.epoch = manifest.predicate.epoch

    report.checks.append(checkSignature(manifest))
    let (subject, leavesFile) = checkSubject(manifest, locate: locate)
    report.checks.append(subject)
    let (leavesCheck, parsed) = checkLeaves(manifest, file: leavesFile)
    report.checks.append(leavesCheck)
    guard let leavesFile, let leaves = parsed else {
      return skippingRest(
        after: .leaves,
        because: leavesFile == nil ? "there are no leaves to check" : "the leaves could not be read"
      )
    }
    let tree = leaves.tree()
    report.checks.append(checkRoot(manifest, tree: tree))
    report.checks.append(checkTree(tree, at: locate(ManifestFiles.tree)))
    report.checks.append(checkSum(manifest, leaves: leaves))
    let (chainStatus, chainDetail) = checkChain(
      manifest, leaves: leaves, local: locate(ManifestFiles.previousEnvelope),
      localLeaves: locate(ManifestFiles.previousLeaves))
    report.checks.append(CheckResult(.chain, chainStatus, chainDetail))
    let (ledgerStatus, ledgerDetail) = checkLedger(manifest)
    report.checks.append(CheckResult(.ledger, ledgerStatus, ledgerDetail))
    if let recompute {
      report.checks.append(checkRecompute(manifest, leaves: leavesFile, by: recompute))
    }
    return report
  }

  /// `envelope`: the file is a DSSE envelope around the rewards statement; the manifest when it is.
  private func checkEnvelope(_ path: String) -> (CheckResult, RewardsManifest?) {
    let manifest: RewardsManifest
    do {
      manifest = try RewardsManifest.load(path: path)
    } catch let error as RewardsError {
      if case .malformedManifest(_, let reason) = error {
        return (CheckResult(.envelope, .failed, reason), nil)
      }
      return (CheckResult(.envelope, .failed, error.description), nil)
    } catch {
      return (CheckResult(.envelope, .failed, "\(error)"), nil)
    }
    let predicate = manifest.predicate
    return (
      CheckResult(
        .envelope, .passed,
        "DSSE envelope with an in-toto statement for Datanet \(predicate.datanet.short), "
          + "epoch \(predicate.epoch)"),
      manifest
    )
  }

  /// `signature`: a trusted key signed the envelope.
  private func checkSignature(_ manifest: RewardsManifest) -> CheckResult {
    let signers = manifest.signers(among: trusted.keys)
    if trusted.isEmpty {
      return CheckResult(
        .signature, .failed,
        "no trusted keys to check against: pass --key FILE, or verify inside the store that "
          + "holds the Datanet so its curators are trusted")
    }
    if signers.isEmpty {
      let keyIDs = manifest.envelope.signatures.map { String($0.keyid.prefix(12)) }
      return CheckResult(
        .signature, .failed,
        "no signature verifies against a trusted key (the envelope has \(keyIDs.count) "
          + "signature(s), key ids \(keyIDs.joined(separator: ", "))); the statement was altered, "
          + "the signature replaced, or it was signed by a key that is not trusted "
          + "(trusted: \(trusted.keys.sorted().map { "\($0.fingerprint) (\(trusted[$0]!))" }.joined(separator: ", ")))"
      )
    }
    return CheckResult(
      .signature, .passed,
      "signed by " + signers.map { "\($0.fingerprint) (\(trusted[$0]!))" }.joined(separator: ", ")
    )
  }

  /// `subject`: every subject file has the SHA-256 the statement gives; the leaves file, mapped,
  /// when it is there.
  private func checkSubject(_ manifest: RewardsManifest, locate: (String) -> String?) -> (
    CheckResult, MappedFile?
  ) {
    var leavesFile: MappedFile?
    var problems = [String]()
    if manifest.subjectDigest(ManifestFiles.leaves) == nil {
      problems.append("the statement lists no subject '\(ManifestFiles.leaves)' with a sha256")
    }
    for subject in manifest.statement.subject {
      guard Self.isPlainFileName(subject.name) else {
        problems.append("subject name '\(subject.name)' is not a plain file name")
        continue
      }
      guard let expected = subject.digest["sha256"].flatMap(Digest.init(hex:)) else {
        problems.append("subject '\(subject.name)' has no sha256 digest")
        continue
      }
      // Mapped, not read: a manifest's files may be hundreds of megabytes.
      guard let filePath = locate(subject.name), let file = try? MappedFile(path: filePath) else {
        problems.append("\(locate(subject.name) ?? subject.name) is missing or unreadable")
        continue
      }
      if subject.name == ManifestFiles.leaves { leavesFile = file }
      let actual = Digest.of(file.bytes)
      if actual != expected {
        problems.append(
          "\(subject.name) has SHA-256 \(actual.short)…, the statement says \(expected.short)…; "
            + "the file was changed after signing")
      }
    }
    if problems.isEmpty {
      return (
        CheckResult(
          .subject, .passed,
          manifest.statement.subject.map { "\($0.name) matches its sha256" }.joined(
            separator: "; ")),
        leavesFile
      )
    }
    return (CheckResult(.subject, .failed, problems.joined(separator: "; ")), leavesFile)
  }

  /// `leaves`: the leaves file parses, in order, with the payout addresses the statement
  /// implies and `leafCount` leaves; the leaves when they parse at all.
  private func checkLeaves(_ manifest: RewardsManifest, file: MappedFile?) -> (
    CheckResult, RewardLeaves?
  ) {
    let predicate = manifest.predicate
    guard let file else {
      return (CheckResult(.leaves, .failed, "\(ManifestFiles.leaves) is not available"), nil)
    }
    let leaves: RewardLeaves
    do {
      leaves = try RewardLeaves.parse(
        file.bytes, datanet: predicate.datanet, epoch: predicate.epoch,
        format: manifest.leafFormat, checkingOrder: false)
    } catch {
      return (CheckResult(.leaves, .failed, "\(ManifestFiles.leaves) \(error.description)"), nil)
    }
    if let problem = leaves.orderProblem() {
      return (
        CheckResult(.leaves, .failed, "\(ManifestFiles.leaves) \(problem.description)"), leaves
      )
    }
    if let problem = leaves.payoutProblem(predicate) {
      return (CheckResult(.leaves, .failed, "\(ManifestFiles.leaves): \(problem)"), leaves)
    }
    if leaves.count == predicate.leafCount {
      return (
        CheckResult(
          .leaves, .passed, "\(leaves.count) leaves, sorted by leaf hash, one per account"),
        leaves
      )
    }
    return (
      CheckResult(
        .leaves, .failed,
        "\(ManifestFiles.leaves) holds \(leaves.count) leaves; the statement's leafCount is "
          + "\(predicate.leafCount)"),
      leaves
    )
  }

  /// `root`: the leaves' Merkle root is the statement's.
  private func checkRoot(_ manifest: RewardsManifest, tree: MerkleTree) -> CheckResult {
    let root = manifest.predicate.merkleRoot
    if tree.root == root {
      return CheckResult(.root, .passed, "the leaves give the Merkle root \(tree.root.hex)")
    }
    return CheckResult(
      .root, .failed,
      "the leaves give the Merkle root \(tree.root.hex); the statement says \(root.hex)")
  }

  /// `tree`: `tree.bin`, when there, holds the leaves' tree.
  private func checkTree(_ tree: MerkleTree, at located: String?) -> CheckResult {
    guard let treePath = located.flatMap({ FileSystem.exists($0) ? $0 : nil }) else {
      return CheckResult(.tree, .skipped, "no \(ManifestFiles.tree) next to the envelope")
    }
    guard let stored = try? MappedFile(path: treePath) else {
      return CheckResult(.tree, .failed, "\(treePath) cannot be read")
    }
    if tree.nodes.withUnsafeBytes({ Self.same($0, stored.bytes) }) {
      return CheckResult(
        .tree, .passed, "\(ManifestFiles.tree) holds the \(tree.nodes.count / 32) nodes of the tree"
      )
    }
    return CheckResult(
      .tree, .failed,
      "\(ManifestFiles.tree) is not the tree of the leaves (\(stored.bytes.count) bytes; the tree "
        + "has \(tree.nodes.count / 32) nodes of 32 bytes)")
  }

  /// `sum`: the totals add up, and the leaves sum to the cumulative total.
  private func checkSum(_ manifest: RewardsManifest, leaves: RewardLeaves) -> CheckResult {
    let predicate = manifest.predicate
    let totals = predicate.totals
    let units = { (amount: DecimalAmount) in predicate.token.format(amount.value) }
    let (expected, overflow) = totals.previousCumulative.value.addingReportingOverflow(
      totals.epochFees.value)
    if overflow || expected != totals.cumulative.value {
      return CheckResult(
        .sum, .failed,
        "the statement's totals disagree: previous \(units(totals.previousCumulative)) + epoch "
          + "fees \(units(totals.epochFees)) ≠ cumulative \(units(totals.cumulative))")
    }
    if leaves.total != totals.cumulative.value {
      return CheckResult(
        .sum, .failed,
        "the leaves sum to \(predicate.token.format(leaves.total)); the cumulative total is "
          + "\(units(totals.cumulative))")
    }
    return CheckResult(
      .sum, .passed,
      "the leaves sum to \(units(totals.cumulative)) = previous "
        + "\(units(totals.previousCumulative)) + epoch fees \(units(totals.epochFees))")
  }

  /// `recompute`: attribution and allocation, run again, give the same leaves byte for byte.
  private func checkRecompute(
    _ manifest: RewardsManifest, leaves: MappedFile,
    by recompute: @Sendable (RewardsManifest) throws -> Recomputation
  ) -> CheckResult {
    let again: Recomputation
    do {
      again = try recompute(manifest)
    } catch let error as OpenLedgerError {
      return CheckResult(.recompute, .failed, "cannot re-run the epoch: \(error.description)")
    } catch {
      return CheckResult(.recompute, .failed, "cannot re-run the epoch: \(error)")
    }
    let recorded = manifest.predicate.indexSegments
    let segments = again.indexSegments.sorted()
    let changed =
      segments == recorded
      ? ""
      : " (the index has changed since the epoch: it had segments "
        + recorded.map(\.short).joined(separator: ", ")
        + ", it has " + segments.map(\.short).joined(separator: ", ")
        + "; records taken down or added since change attribution)"
    if Self.same(again.leaves, leaves.bytes) {
      return CheckResult(
        .recompute, .passed, "re-running attribution and allocation gives the same leaves" + changed
      )
    }
    return CheckResult(
      .recompute, .failed,
      "re-running attribution and allocation gives different leaves: "
        + Self.firstDifference(again.leaves, Data(leaves.bytes)) + changed)
  }

  /// `chain`: the previous manifest is the one named, one epoch earlier, of the same Datanet,
  /// with the cumulative total this one starts from, and no account's amount went down.
  private func checkChain(
    _ manifest: RewardsManifest, leaves: RewardLeaves, local: String?, localLeaves: String?
  ) -> (CheckResult.Status, String) {
    let predicate = manifest.predicate
    guard let previousID = predicate.previousManifest else {
      if predicate.epoch != 1 {
        return (.failed, "epoch \(predicate.epoch) names no previous manifest; only epoch 1 may")
      }
      if predicate.totals.previousCumulative.value != 0 {
        return (
          .failed,
          "epoch 1 starts from a previous total of \(predicate.totals.previousCumulative), not 0"
        )
      }
      return (.passed, "epoch 1: the start of the chain")
    }
    if predicate.epoch <= 1 {
      return (.failed, "epoch \(predicate.epoch) names a previous manifest; epoch 1 has none")
    }
    var found: PreviousManifest?
    if let local, let data = try? FileSystem.read(local), Digest.of(data) == previousID {
      // Its leaves, when exported beside it (else from the store, when at hand), are checked
      // against its subject digest below.
      let leavesData =
        localLeaves.flatMap { try? FileSystem.read($0) } ?? (try? previous(previousID))?.leaves
      found = PreviousManifest(envelope: data, leaves: leavesData, source: local)
    } else {
      do {
        found = try previous(previousID)
      } catch let error as OpenLedgerError {
        return (
          .failed, "cannot read the previous manifest \(previousID.short): \(error.description)"
        )
      } catch {
        return (.failed, "cannot read the previous manifest \(previousID.short): \(error)")
      }
    }
    guard let found else {
      return (
        .failed,
        "the previous manifest \(previousID.hex) is not available: export with the previous "
          + "epoch's envelope (\(ManifestFiles.previousEnvelope)), pass --previous FILE, or "
          + "verify inside the store"
      )
    }
    guard Digest.of(found.envelope) == previousID else {
      return (
        .failed,
        "\(found.source) is not the previous manifest \(previousID.short): its SHA-256 differs"
      )
    }
    let previousManifest: RewardsManifest
    do {
      previousManifest = try RewardsManifest.decode(found.envelope, name: found.source)
    } catch let error as OpenLedgerError {
      return (.failed, error.description)
    } catch {
      return (.failed, "\(error)")
    }
    let before = previousManifest.predicate
    if before.datanet != predicate.datanet {
      return (
        .failed,
        "the previous manifest belongs to Datanet \(before.datanet.short), not \(predicate.datanet.short)"
      )
    }
    if before.epoch + 1 != predicate.epoch {
      return (
        .failed, "the previous manifest is epoch \(before.epoch); this is epoch \(predicate.epoch)"
      )
    }
    if before.totals.cumulative != predicate.totals.previousCumulative {
      return (
        .failed,
        "the previous manifest's cumulative total is \(before.totals.cumulative); this one "
          + "starts from \(predicate.totals.previousCumulative)"
      )
    }
    var detail =
      "follows epoch \(before.epoch) (manifest \(previousID.short), from \(found.source))"
    if let previousLeavesData = found.leaves {
      guard previousManifest.subjectDigest(ManifestFiles.leaves) == Digest.of(previousLeavesData),
        let previousLeaves = try? RewardLeaves.parse(
          previousLeavesData, datanet: before.datanet, epoch: before.epoch,
          format: previousManifest.leafFormat)
      else {
        return (
          .failed,
          "the previous manifest's leaves (from \(found.source)) do not match its statement: "
            + "their SHA-256 is not its subject digest, or they do not parse"
        )
      }
      let now = leaves.cumulative
      for index in 0..<previousLeaves.count {
        let account = previousLeaves.account(at: index)
        let earlier = previousLeaves.amounts[index]
        let later = now[account] ?? 0
        if later < earlier {
          return (
            .failed,
            "account \(account.hex) had \(earlier.decimalString) in epoch \(before.epoch) and "
              + "\(later.decimalString) now; cumulative amounts never go down"
          )
        }
      }
      detail += "; no account's cumulative amount went down"
    } else {
      detail +=
        "; its leaves are not at hand (\(ManifestFiles.previousLeaves)), so whether an amount "
        + "went down was not checked"
    }
    return (.passed, detail)
  }

  /// Whether two byte strings are equal.
  static func same(_ a: some ContiguousBytes, _ b: UnsafeRawBufferPointer) -> Bool {
    a.withUnsafeBytes { a in
      a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
  }

  /// Whether `name` names a file in the envelope's directory, and nothing outside it.
  static func isPlainFileName(_ name: String) -> Bool {
    !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
  }

  /// Where two leaves files first differ, by line.
  static func firstDifference(_ expected: Data, _ actual: Data) -> String {
    let a = expected.split(separator: 0x0a, omittingEmptySubsequences: false)
    let b = actual.split(separator: 0x0a, omittingEmptySubsequences: false)
    for index in 0..<min(a.count, b.count) where a[index] != b[index] {
      return "line \(index + 1) should be \(String(decoding: a[index], as: UTF8.self))"
    }
    return "the recomputed file has \(a.count - 1) lines, the exported one \(b.count - 1)"
  }
}
