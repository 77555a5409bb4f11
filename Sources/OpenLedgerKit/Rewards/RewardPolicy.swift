import Foundation

/// The three parts of every fee, in basis points (hundredths of a percent; 10,000 is the whole).
public struct BasisPoints: Codable, Sendable, Equatable {
  /// Divided among contributors by attribution weight; the unattributed share of it goes to the
  /// unattributed account.
  public var contributors: Int
  /// Divided equally among the Datanet's curators.
  public var curators: Int
  /// Paid to the protocol account.
  public var protocolPart: Int

  public static let whole = 10_000

  public init(contributors: Int, curators: Int, protocolPart: Int) {
    self.contributors = contributors
    self.curators = curators
    self.protocolPart = protocolPart
  }

  /// The keys of a split, the same whether or not each part is given (`RewardSettings.Parts`).
  typealias CodingKeys = RewardSettings.Parts.CodingKeys
}

/// The split of one epoch, fully resolved: who receives each part of every fee.
public struct RewardPolicy: Codable, Sendable, Equatable {
  public var basisPoints: BasisPoints
  /// The accounts sharing the curators' part equally: the Datanet's curators when the epoch was
  /// computed. Sorted, distinct.
  public var curators: [AccountID]
  public var protocolAccount: AccountID
  /// Receives the contributors' part of every output token no record accounts for, and any part
  /// that has no one else to go to (the curators' part when there are no curators).
  public var unattributedAccount: AccountID

  public init(
    basisPoints: BasisPoints, curators: [AccountID], protocolAccount: AccountID,
    unattributedAccount: AccountID
  ) {
    self.basisPoints = basisPoints
    self.curators = Array(Set(curators)).sorted()
    self.protocolAccount = protocolAccount
    self.unattributedAccount = unattributedAccount
  }

  /// The split used when neither the Datanet nor the command line says otherwise.
  public static let defaultBasisPoints = BasisPoints(
    contributors: 8_000, curators: 1_000, protocolPart: 1_000)

  /// Checks that the basis points are each between 0 and 10,000 and sum to 10,000; `reason`
  /// describes the problem for the caller's error.
  public static func check(_ points: BasisPoints) -> String? {
    let parts = [
      ("contributors", points.contributors), ("curators", points.curators),
      ("protocol", points.protocolPart),
    ]
    for (name, value) in parts where !(0...BasisPoints.whole).contains(value) {
      return "the \(name) part is \(value) basis points; each part is 0 to 10000"
    }
    let sum = points.contributors + points.curators + points.protocolPart
    if sum != BasisPoints.whole {
      return "the parts sum to \(sum) basis points (contributors \(points.contributors) + "
        + "curators \(points.curators) + protocol \(points.protocolPart)); they must sum to 10000"
    }
    return nil
  }
}

/// What the Rewards floor does with a Datanet's reward settings (declared with its policy, in
/// Datanet/RewardSettings.swift): read them from a policy file and resolve them into a split.
extension RewardSettings {
  /// Reads a policy file (JSON with any of `basisPoints`, `protocolAccount`,
  /// `unattributedAccount`, `token`), naming the field at fault when it is malformed.
  /// Reads a policy file. Its `protocolAccount` and `unattributedAccount` may be account ids or
  /// whatever else `resolveAccount` knows (a local identity's name), as the flags take them.
  public static func load(
    path: String, resolveAccount: ((String) throws -> AccountID)? = nil
  ) throws -> RewardSettings {
    var data = try FileSystem.read(path)
    if let resolveAccount {
      data = try accountsResolved(data, path: path, resolveAccount)
    }
    let settings: RewardSettings
    do {
      settings = try JSONDecoder().decode(RewardSettings.self, from: data)
    } catch {
      throw RewardsError.malformedPolicy(path: path, reason: JSONDiagnostics.describe(error))
    }
    if let token = settings.token, let reason = Self.check(token) {
      throw RewardsError.malformedPolicy(path: path, reason: reason)
    }
    return settings
  }

  /// The policy file's bytes with its account names replaced by the account ids they name.
  /// Bytes that are not a JSON object are left for the decoder to describe.
  private static func accountsResolved(
    _ data: Data, path: String, _ resolve: (String) throws -> AccountID
  ) throws -> Data {
    guard var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      return data
    }
    for key in [CodingKeys.protocolAccount, .unattributedAccount] {
      guard let text = object[key.rawValue] as? String, AccountID(hex: text) == nil else {
        continue
      }
      do {
        object[key.rawValue] = try resolve(text).hex
      } catch let error as IdentityError {
        throw RewardsError.malformedPolicy(
          path: path,
          reason: "\(key.rawValue) '\(text)' is neither an account id (64 hex digits) nor the name "
            + "of a local identity (\(error.description))")
      }
    }
    return try JSONSerialization.data(withJSONObject: object)
  }

  static func check(_ token: RewardToken) -> String? {
    if !RewardToken.isValidSymbol(token.symbol) {
      return "token symbol '\(token.symbol)' must be 1 to 16 letters, digits, '.', '_' or '-'"
    }
    if !(0...38).contains(token.decimals) {
      return "token decimals \(token.decimals) must be 0 to 38"
    }
    return nil
  }

  /// The policy and token these settings give, with the owner as the default protocol and
  /// unattributed account, and `RewardPolicy.defaultBasisPoints` for the parts left out.
  public func resolve(curators: [AccountID], owner: AccountID) throws -> (
    RewardPolicy, RewardToken
  ) {
    let defaults = RewardPolicy.defaultBasisPoints
    let points = BasisPoints(
      contributors: basisPoints?.contributors ?? defaults.contributors,
      curators: basisPoints?.curators ?? defaults.curators,
      protocolPart: basisPoints?.protocolPart ?? defaults.protocolPart)
    if let reason = RewardPolicy.check(points) { throw RewardsError.invalidPolicy(reason) }
    let token = token ?? .standard
    if let reason = Self.check(token) { throw RewardsError.invalidPolicy(reason) }
    let protocolAccount = protocolAccount ?? owner
    let policy = RewardPolicy(
      basisPoints: points, curators: curators, protocolAccount: protocolAccount,
      unattributedAccount: unattributedAccount ?? protocolAccount)
    return (policy, token)
  }
}
