/// What a Datanet does with a near duplicate of a record it holds.
public enum NearDuplicateAction: String, Codable, Sendable, CaseIterable {
  /// Keep the record and show the match to the curators.
  case flag
  /// Refuse the record.
  case reject
}

/// A Datanet's rules for incoming data, and its default reward split.
public struct DatanetPolicy: Codable, Sendable, Equatable {
  public var nearDuplicate: NearDuplicateAction
  /// How `rewards compute` splits fees unless told otherwise (absent: the built-in defaults).
  public var rewards: RewardSettings?
  /// Whether every reward epoch's inference log must be signed by one of the Datanet's model
  /// operators (absent: no).
  public var requireSignedLog: Bool?

  public init(
    nearDuplicate: NearDuplicateAction = .flag, rewards: RewardSettings? = nil,
    requireSignedLog: Bool? = nil
  ) {
    self.nearDuplicate = nearDuplicate
    self.rewards = rewards
    self.requireSignedLog = requireSignedLog
  }

  /// Whether an epoch's inference log must be signed by an operator.
  public var requiresSignedLog: Bool { requireSignedLog == true }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case nearDuplicate, rewards, requireSignedLog
  }

  public init(from decoder: Decoder) throws {
    try decoder.rejectUnknownKeys(CodingKeys.self)
    let container = try decoder.container(keyedBy: CodingKeys.self)
    nearDuplicate =
      try container.decodeIfPresent(NearDuplicateAction.self, forKey: .nearDuplicate) ?? .flag
    rewards = try container.decodeIfPresent(RewardSettings.self, forKey: .rewards)
    requireSignedLog = try container.decodeIfPresent(Bool.self, forKey: .requireSignedLog)
  }
}
