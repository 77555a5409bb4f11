import Foundation

/// The DSSE payload type of an in-toto statement.
public let inTotoPayloadType = "application/vnd.in-toto+json"

/// What a reward manifest's statement says, beyond the file it is about (DESIGN §7).
public struct RewardsPredicate: Codable, Sendable, Equatable {
  /// The predicate type of manifests whose leaves have `format`.
  public static func type(of format: LeafFormat) -> String {
    "https://openledger.dev/rewards-manifest/v\(format.rawValue)"
  }

  /// The leaf format a predicate type names, or nil.
  public static func format(ofType type: String) -> LeafFormat? {
    LeafFormat.allCases.first { Self.type(of: $0) == type }
  }

  /// What one model operator owes for an epoch: the fees of the inference log it signed.
  public struct OperatorFees: Codable, Sendable, Equatable {
    /// The operator's account.
    public var account: AccountID
    /// The sum of the fees of the log it signed: what it owes the Datanet's distributor.
    public var owes: DecimalAmount
    /// The signed log's DSSE envelope (its SHA-256; an object in the store).
    public var signedLog: Digest

    public init(account: AccountID, owes: TokenAmount, signedLog: Digest) {
      self.account = account
      self.owes = DecimalAmount(owes)
      self.signedLog = signedLog
    }
  }

  /// The inference log the epoch paid out: its SHA-256 and how many inferences it held.
  public struct InferenceLogSummary: Codable, Sendable, Equatable {
    public var sha256: Digest
    public var inferences: Int

    public init(sha256: Digest, inferences: Int) {
      self.sha256 = sha256
      self.inferences = inferences
    }
  }

  /// The epoch's pool and what the leaves sum to.
  public struct Totals: Codable, Sendable, Equatable {
    /// The fees of this epoch's inferences.
    public var epochFees: DecimalAmount
    /// The cumulative total of the previous epoch (0 for the first).
    public var previousCumulative: DecimalAmount
    /// `previousCumulative + epochFees`: what the leaves sum to.
    public var cumulative: DecimalAmount

    public init(epochFees: TokenAmount, previousCumulative: TokenAmount, cumulative: TokenAmount) {
      self.epochFees = DecimalAmount(epochFees)
      self.previousCumulative = DecimalAmount(previousCumulative)
      self.cumulative = DecimalAmount(cumulative)
    }
  }

  public var datanet: Digest
  /// 1 for the first epoch, then one more each time.
  public var epoch: UInt64
  /// The Datanet's ledger heads when the epoch was computed: the state attribution ran on.
  public var ledgerHeads: [Digest]
  /// The attribution index segments queried.
  public var indexSegments: [Digest]
  /// The attribution settings the weights were computed with.
  public var attribution: AttributionSettings
  public var inferenceLog: InferenceLogSummary
  public var policy: RewardPolicy
  public var token: RewardToken
  public var totals: Totals
  public var merkleRoot: Digest
  public var leafCount: Int
  /// The id of the previous epoch's manifest; absent for epoch 1.
  public var previousManifest: Digest?
  /// v2: the accounts whose leaf pays the zero address because they had set no payout address
  /// (sorted; may be empty). Absent in v1.
  public var withoutPayoutAddress: [AccountID]?
  /// v2: who owes the epoch's fees, one entry per signed inference log (empty when the log was
  /// not signed). Absent in v1.
  public var operators: [OperatorFees]?

  public init(
    datanet: Digest, epoch: UInt64, ledgerHeads: [Digest], indexSegments: [Digest],
    attribution: AttributionSettings, inferenceLog: InferenceLogSummary, policy: RewardPolicy,
    token: RewardToken, totals: Totals,
    merkleRoot: Digest, leafCount: Int, previousManifest: Digest?,
    withoutPayoutAddress: [AccountID]? = nil, operators: [OperatorFees]? = nil
  ) {
    self.datanet = datanet
    self.epoch = epoch
    self.ledgerHeads = ledgerHeads.sorted()
    self.indexSegments = indexSegments.sorted()
    self.attribution = attribution
    self.inferenceLog = inferenceLog
    self.policy = policy
    self.token = token
    self.totals = totals
    self.merkleRoot = merkleRoot
    self.leafCount = leafCount
    self.previousManifest = previousManifest
    self.withoutPayoutAddress = withoutPayoutAddress?.sorted()
    self.operators = operators?.sorted { $0.account < $1.account }
  }
}

/// An in-toto Statement v1 about the leaves file of an epoch.
public struct RewardsStatement: Codable, Sendable, Equatable {
  public static let type = "https://in-toto.io/Statement/v1"

  public struct Subject: Codable, Sendable, Equatable {
    /// A file name, next to the envelope when exported.
    public var name: String
    /// Algorithm to lowercase hex; openledger writes `sha256`.
    public var digest: [String: String]

    public init(name: String, sha256: Digest) {
      self.name = name
      self.digest = ["sha256": sha256.hex]
    }
  }

  public var type: String
  public var subject: [Subject]
  public var predicateType: String
  public var predicate: RewardsPredicate

  public init(leavesDigest: Digest, predicate: RewardsPredicate, format: LeafFormat) {
    type = Self.type
    subject = [Subject(name: ManifestFiles.leaves, sha256: leavesDigest)]
    predicateType = RewardsPredicate.type(of: format)
    self.predicate = predicate
  }

  /// The leaf format the predicate type names (v1 for a type `decode` would refuse).
  public var leafFormat: LeafFormat { RewardsPredicate.format(ofType: predicateType) ?? .v1 }

  enum CodingKeys: String, CodingKey {
    case type = "_type"
    case subject, predicateType, predicate
  }
}

/// The file names of an exported manifest, side by side in one directory.
public enum ManifestFiles {
  /// The DSSE envelope.
  public static let envelope = "manifest.json"
  /// One leaf per line (the statement's subject).
  public static let leaves = "leaves.jsonl"
  /// The tree's nodes, 32 bytes each, in array order (derived; checked against the leaves).
  public static let tree = "tree.bin"
  /// The previous epoch's envelope, for the chain check (absent for epoch 1).
  public static let previousEnvelope = "previous-manifest.json"
  /// The previous epoch's `leaves.jsonl`, for checking that no amount went down (absent for
  /// epoch 1).
  public static let previousLeaves = "previous-leaves.jsonl"
}

/// A signed reward manifest: the DSSE envelope around the statement, and its id.
public struct RewardsManifest: Sendable {
  /// The SHA-256 of the envelope's bytes.
  public let id: Digest
  /// The envelope as stored and exported (canonical JSON).
  public let bytes: Data
  public let envelope: Envelope
  public let statement: RewardsStatement

  public var predicate: RewardsPredicate { statement.predicate }

  /// How its leaves are laid out.
  public var leafFormat: LeafFormat { statement.leafFormat }

  /// Signs `statement` as `identity`.
  public static func sign(_ statement: RewardsStatement, by identity: Identity) throws
    -> RewardsManifest
  {
    let payload = try CanonicalEncoder.encode(statement)
    let envelope = try Envelope.sign(payload: payload, type: inTotoPayloadType, by: identity)
    let bytes = try envelope.encoded()
    return RewardsManifest(
      id: Digest.of(bytes), bytes: bytes, envelope: envelope, statement: statement)
  }

  /// Reads an envelope's bytes; `name` is used in errors.
  public static func decode(_ bytes: Data, name: String) throws -> RewardsManifest {
    func fail(_ reason: String) -> RewardsError { .malformedManifest(path: name, reason: reason) }
    let (envelope, _, statement) = try Envelope.openStatement(
      bytes, type: inTotoPayloadType, as: RewardsStatement.self, fail: fail)
    guard statement.type == RewardsStatement.type else {
      throw fail("the statement's _type is '\(statement.type)', not '\(RewardsStatement.type)'")
    }
    guard let format = RewardsPredicate.format(ofType: statement.predicateType) else {
      throw fail(
        "the predicate type is '\(statement.predicateType)', not one of "
          + LeafFormat.allCases.map { "'\(RewardsPredicate.type(of: $0))'" }.joined(
            separator: ", "))
    }
    let predicate = statement.predicate
    switch format {
    case .v1 where predicate.withoutPayoutAddress != nil || predicate.operators != nil:
      throw fail("a v1 predicate has no withoutPayoutAddress or operators (those are v2's)")
    case .v2 where predicate.withoutPayoutAddress == nil || predicate.operators == nil:
      throw fail("a v2 predicate lists withoutPayoutAddress and operators (each may be empty)")
    default: break
    }
    return RewardsManifest(
      id: Digest.of(bytes), bytes: bytes, envelope: envelope, statement: statement)
  }

  /// Reads the envelope file at `path`.
  public static func load(path: String) throws -> RewardsManifest {
    try decode(RewardsError.readFile(path, what: "the manifest"), name: path)
  }

  /// The accounts, among `candidates`, whose signature over the envelope verifies.
  public func signers(among candidates: some Sequence<AccountID>) -> [AccountID] {
    candidates.filter { envelope.isSigned(by: $0) }.sorted()
  }

  /// The SHA-256 the statement gives for the subject `name`, if it lists one.
  public func subjectDigest(_ name: String) -> Digest? {
    statement.subject.first { $0.name == name }.flatMap { $0.digest["sha256"] }.flatMap(
      Digest.init(hex:))
  }
}

/// Everything an epoch's manifest is built from.
public struct ManifestContents: Sendable {
  public var datanet: Digest
  public var epoch: UInt64
  public var ledgerHeads: [Digest]
  public var indexSegments: [Digest]
  public var attribution: AttributionSettings
  public var inferenceLog: RewardsPredicate.InferenceLogSummary
  public var policy: RewardPolicy
  public var token: RewardToken
  public var epochFees: TokenAmount
  public var previousCumulative: TokenAmount
  public var previousManifest: Digest?
  /// v2: who owes the epoch's fees (one entry per signed log).
  public var operators: [RewardsPredicate.OperatorFees]

  public init(
    datanet: Digest, epoch: UInt64, ledgerHeads: [Digest], indexSegments: [Digest],
    attribution: AttributionSettings, inferenceLog: RewardsPredicate.InferenceLogSummary,
    policy: RewardPolicy,
    token: RewardToken, epochFees: TokenAmount, previousCumulative: TokenAmount,
    previousManifest: Digest?, operators: [RewardsPredicate.OperatorFees] = []
  ) {
    self.datanet = datanet
    self.epoch = epoch
    self.ledgerHeads = ledgerHeads
    self.indexSegments = indexSegments
    self.attribution = attribution
    self.inferenceLog = inferenceLog
    self.policy = policy
    self.token = token
    self.epochFees = epochFees
    self.previousCumulative = previousCumulative
    self.previousManifest = previousManifest
    self.operators = operators
  }
}

/// A manifest with the files it stands for.
public struct ManifestBundle: Sendable {
  public let manifest: RewardsManifest
  public let leaves: RewardLeaves
  /// The `leaves.jsonl` bytes.
  public let leavesFile: Data
  public let tree: MerkleTree

  public var predicate: RewardsPredicate { manifest.predicate }

  /// Builds and signs the manifest of `leaves`, checking that they sum to the cumulative pool;
  /// its predicate type is the leaves' format (v2 lists the accounts without a payout address
  /// and the operators; v1 has neither).
  public static func build(
    _ contents: ManifestContents, leaves: RewardLeaves, by identity: Identity
  ) throws -> ManifestBundle {
    guard leaves.datanet == contents.datanet, leaves.epoch == contents.epoch else {
      throw RewardsError.inconsistent("the leaves are of another Datanet or epoch")
    }
    let (cumulative, overflow) = contents.previousCumulative.addingReportingOverflow(
      contents.epochFees)
    if overflow { throw RewardsError.amountOverflow(account: nil) }
    // The allocator guarantees this; a mismatch is a bug, never a manifest to sign.
    guard leaves.total == cumulative else {
      throw RewardsError.inconsistent(
        "the leaves sum to \(leaves.total.decimalString), the cumulative pool is "
          + cumulative.decimalString)
    }
    guard leaves.format == .v2 || contents.operators.isEmpty else {
      throw RewardsError.inconsistent("a v1 manifest cannot name operators")
    }
    let leavesFile = leaves.jsonLines()
    let tree = leaves.tree()
    let v2 = leaves.format == .v2
    let predicate = RewardsPredicate(
      datanet: contents.datanet, epoch: contents.epoch, ledgerHeads: contents.ledgerHeads,
      indexSegments: contents.indexSegments, attribution: contents.attribution,
      inferenceLog: contents.inferenceLog,
      policy: contents.policy, token: contents.token,
      totals: RewardsPredicate.Totals(
        epochFees: contents.epochFees, previousCumulative: contents.previousCumulative,
        cumulative: cumulative),
      merkleRoot: tree.root, leafCount: leaves.count, previousManifest: contents.previousManifest,
      withoutPayoutAddress: v2 ? leaves.accountsWithoutRecipient : nil,
      operators: v2 ? contents.operators : nil)
    let statement = RewardsStatement(
      leavesDigest: Digest.of(leavesFile), predicate: predicate, format: leaves.format)
    let manifest = try RewardsManifest.sign(statement, by: identity)
    return ManifestBundle(manifest: manifest, leaves: leaves, leavesFile: leavesFile, tree: tree)
  }

  /// A stored manifest with its leaves file, checked against each other: the leaves must be
  /// the statement's subject and give its root.
  public static func load(envelope: Data, leavesFile: Data, name: String) throws -> ManifestBundle {
    let manifest = try RewardsManifest.decode(envelope, name: name)
    let predicate = manifest.predicate
    guard manifest.subjectDigest(ManifestFiles.leaves) == Digest.of(leavesFile) else {
      throw RewardsError.leavesDoNotMatch(
        path: name, reason: "the leaves file's SHA-256 is not the statement's subject digest")
    }
    let leaves: RewardLeaves
    do {
      leaves = try RewardLeaves.parse(
        leavesFile, datanet: predicate.datanet, epoch: predicate.epoch,
        format: manifest.leafFormat)
    } catch {
      throw RewardsError.leavesDoNotMatch(path: name, reason: "leaves.jsonl \(error.description)")
    }
    let tree = leaves.tree()
    guard tree.root == predicate.merkleRoot else {
      throw RewardsError.leavesDoNotMatch(
        path: name, reason: "the leaves give the root \(tree.root.short)…, not the statement's")
    }
    if let problem = leaves.payoutProblem(predicate) {
      throw RewardsError.leavesDoNotMatch(path: name, reason: problem)
    }
    return ManifestBundle(manifest: manifest, leaves: leaves, leavesFile: leavesFile, tree: tree)
  }

  /// Writes the envelope, `leaves.jsonl`, `tree.bin` and, when given, the previous epoch's
  /// envelope and leaves into `directory` (see `ManifestFiles.write`).
  public func write(
    to directory: String, previousEnvelope: Data?, previousLeaves: Data? = nil
  ) throws {
    try ManifestFiles.write(
      envelope: manifest.bytes, leaves: leavesFile, tree: Data(tree.nodes),
      previousEnvelope: previousEnvelope, previousLeaves: previousLeaves, to: directory)
  }
}

extension ManifestFiles {
  /// Writes an export into `directory` (created if needed): the envelope, `leaves.jsonl`,
  /// `tree.bin` and, when given, the previous epoch's envelope and leaves (else any stale ones
  /// are removed). Each file is replaced atomically, the envelope last; they are not fsynced,
  /// since an export can always be written again.
  public static func write(
    envelope: Data, leaves: Data, tree: Data, previousEnvelope: Data?,
    previousLeaves: Data? = nil, to directory: String
  ) throws {
    try FileSystem.makeDirectory(directory)
    func write(_ data: Data, _ name: String) throws {
      try FileSystem.writeAtomically(
        data, to: "\(directory)/\(name)", stagingDirectory: directory, durable: false)
    }
    try write(leaves, Self.leaves)
    try write(tree, Self.tree)
    for (data, name) in [
      (previousEnvelope, Self.previousEnvelope), (previousLeaves, Self.previousLeaves),
    ] {
      if let data {
        try write(data, name)
      } else {
        try FileSystem.remove("\(directory)/\(name)")
      }
    }
    try write(envelope, Self.envelope)
  }
}

extension Envelope {
  /// Opens `bytes` as an envelope of payload type `type` and decodes its payload as a
  /// `Statement`: the reading of a manifest and of a signed inference log. What is wrong goes to
  /// `fail` as a reason.
  static func openStatement<Statement: Decodable>(
    _ bytes: Data, type: String, as _: Statement.Type, fail: (String) -> RewardsError
  ) throws -> (envelope: Envelope, payload: Data, statement: Statement) {
    let envelope: Envelope
    let payload: Data
    do {
      (envelope, payload) = try Envelope.open(bytes, type: type)
    } catch {
      throw fail(error.reason)
    }
    do {
      return (envelope, payload, try JSONDecoder().decode(Statement.self, from: payload))
    } catch {
      throw fail("the statement is not valid: \(JSONDiagnostics.describe(error))")
    }
  }
}
