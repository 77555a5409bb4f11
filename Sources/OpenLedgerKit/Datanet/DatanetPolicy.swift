/// What a Datanet does with a near duplicate of a record it holds.
public enum NearDuplicateAction: String, Codable, Sendable, CaseIterable {
  /// Keep the record and show the match to the curators.
  case flag
  /// Refuse the record.
  case reject
}

/// A Datanet's rules for incoming data.
public struct DatanetPolicy: Codable, Sendable, Equatable {
  public var nearDuplicate: NearDuplicateAction

  public init(nearDuplicate: NearDuplicateAction = .flag) {
    self.nearDuplicate = nearDuplicate
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case nearDuplicate
  }

  public init(from decoder: Decoder) throws {
    try decoder.rejectUnknownKeys(CodingKeys.self)
    let container = try decoder.container(keyedBy: CodingKeys.self)
    nearDuplicate =
      try container.decodeIfPresent(NearDuplicateAction.self, forKey: .nearDuplicate) ?? .flag
  }
}
