import Foundation

/// The token fees are paid in: its symbol and how many decimals its smallest unit has.
public struct RewardToken: Codable, Sendable, Equatable {
  public var symbol: String
  public var decimals: Int

  public init(symbol: String, decimals: Int) {
    self.symbol = symbol
    self.decimals = decimals
  }

  public static let standard = RewardToken(symbol: "OPEN", decimals: 18)

  /// A symbol is 1 to 16 ASCII letters, digits, '.', '_' or '-'.
  public static func isValidSymbol(_ symbol: String) -> Bool {
    let bytes = Array(symbol.utf8)
    return (1...16).contains(bytes.count)
      && bytes.allSatisfy { byte in
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte)
          || (0x61...0x7a).contains(byte) || byte == 0x2e || byte == 0x5f || byte == 0x2d
      }
  }
}

/// Reward settings that may each be left out: a Datanet's defaults, a policy file, or flags.
/// Later sources override earlier ones field by field (`merged(over:)`).
public struct RewardSettings: Codable, Sendable, Equatable {
  public struct Parts: Codable, Sendable, Equatable {
    public var contributors: Int?
    public var curators: Int?
    public var protocolPart: Int?

    public init(contributors: Int? = nil, curators: Int? = nil, protocolPart: Int? = nil) {
      self.contributors = contributors
      self.curators = curators
      self.protocolPart = protocolPart
    }

    /// The keys of a split, the same whether or not each part is given (`BasisPoints`, in
    /// Rewards/, uses them too).
    enum CodingKeys: String, CodingKey, CaseIterable {
      case contributors, curators
      case protocolPart = "protocol"
    }

    public init(from decoder: Decoder) throws {
      try decoder.rejectUnknownKeys(CodingKeys.self)
      let container = try decoder.container(keyedBy: CodingKeys.self)
      contributors = try container.decodeIfPresent(Int.self, forKey: .contributors)
      curators = try container.decodeIfPresent(Int.self, forKey: .curators)
      protocolPart = try container.decodeIfPresent(Int.self, forKey: .protocolPart)
    }

    var isEmpty: Bool { contributors == nil && curators == nil && protocolPart == nil }
  }

  public var basisPoints: Parts?
  public var protocolAccount: AccountID?
  public var unattributedAccount: AccountID?
  public var token: RewardToken?

  public init(
    basisPoints: Parts? = nil, protocolAccount: AccountID? = nil,
    unattributedAccount: AccountID? = nil, token: RewardToken? = nil
  ) {
    self.basisPoints = basisPoints.flatMap { $0.isEmpty ? nil : $0 }
    self.protocolAccount = protocolAccount
    self.unattributedAccount = unattributedAccount
    self.token = token
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case basisPoints, protocolAccount, unattributedAccount, token
  }

  public init(from decoder: Decoder) throws {
    try decoder.rejectUnknownKeys(CodingKeys.self)
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      basisPoints: try container.decodeIfPresent(Parts.self, forKey: .basisPoints),
      protocolAccount: try container.decodeIfPresent(AccountID.self, forKey: .protocolAccount),
      unattributedAccount: try container.decodeIfPresent(
        AccountID.self, forKey: .unattributedAccount),
      token: try container.decodeIfPresent(RewardToken.self, forKey: .token))
  }

  /// These settings, with every field they leave out taken from `base`.
  public func merged(over base: RewardSettings) -> RewardSettings {
    let parts = Parts(
      contributors: basisPoints?.contributors ?? base.basisPoints?.contributors,
      curators: basisPoints?.curators ?? base.basisPoints?.curators,
      protocolPart: basisPoints?.protocolPart ?? base.basisPoints?.protocolPart)
    return RewardSettings(
      basisPoints: parts, protocolAccount: protocolAccount ?? base.protocolAccount,
      unattributedAccount: unattributedAccount ?? base.unattributedAccount,
      token: token ?? base.token)
  }
}
