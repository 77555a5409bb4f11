import Foundation
import GRDB

/// A Datanet's payout addresses: setting the signer's own, and showing who is paid where.
///
/// ```swift
/// let payouts = Payouts(store: store, datanet: state)
/// try payouts.set(PayoutSet(address: address, chainId: 1), by: carol, clock: clock)
/// let standing = try payouts.accounts()
/// ```
public struct Payouts: Sendable {
  public let store: Store
  public let datanet: DatanetState

  public init(store: Store, datanet: DatanetState) {
    self.store = store
    self.datanet = datanet
  }

  /// Records a `payout.set` event by `identity`: the address that receives its rewards from
  /// the next epoch on.
  @discardableResult
  public func set(_ body: PayoutSet, by identity: Identity, clock: any Clock) throws
    -> SignedEvent
  {
    try body.check()
    return try Ledger(store: store).append(
      .payoutSet(body), to: datanet.id, by: identity, clock: clock)
  }

  /// Each account's current payout address (the latest in the fold's order).
  public func addresses() throws -> [AccountID: PayoutAddress] {
    try store.catalog.read { db in try PayoutCatalog.addresses(of: datanet.id, in: db) }
  }

  /// What an account is to a Datanet's payouts.
  public enum Role: String, Codable, Sendable, Comparable, CaseIterable {
    case owner, curator, `operator`, contributor, `protocol`, unattributed

    public static func < (lhs: Role, rhs: Role) -> Bool {
      allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
  }

  /// One account that is, or may be, paid: its roles, what it has earned, and where it is paid.
  public struct Account: Codable, Sendable, Equatable {
    public var account: AccountID
    public var roles: [Role]
    /// Its cumulative amount in the latest epoch (absent when no epoch paid it).
    public var cumulative: DecimalAmount?
    /// Its payout address; absent when it has set none.
    public var payout: PayoutAddress?

    public init(
      account: AccountID, roles: [Role] = [], cumulative: DecimalAmount? = nil,
      payout: PayoutAddress? = nil
    ) {
      self.account = account
      self.roles = roles
      self.cumulative = cumulative
      self.payout = payout
    }
  }

  /// Every account the Datanet may pay (its owner, curators, operators, contributors, the
  /// protocol and unattributed accounts of its reward policy), every account an epoch paid,
  /// and every account that set a payout address; by account id.
  public func accounts() throws -> [Account] {
    let addresses = try addresses()
    var roles = [AccountID: Set<Role>]()
    roles[datanet.owner, default: []].insert(.owner)
    for curator in datanet.curators { roles[curator, default: []].insert(.curator) }
    for account in datanet.operators { roles[account, default: []].insert(.operator) }
    if let (policy, _) = try? (datanet.policy.rewards ?? RewardSettings()).resolve(
      curators: datanet.curators, owner: datanet.owner)
    {
      roles[policy.protocolAccount, default: []].insert(.protocol)
      roles[policy.unattributedAccount, default: []].insert(.unattributed)
    }
    let (contributors, cumulative) = try store.catalog.read(datanet: datanet.id) { db, num in
      let contributors = try String.fetchAll(
        db, sql: "SELECT DISTINCT contributor FROM contributions WHERE datanet = ?",
        arguments: [num]
      ).compactMap(AccountID.init(hex:))
      var cumulative = [AccountID: DecimalAmount]()
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT account, cumulative FROM reward_allocations WHERE datanet = ? AND epoch =
            (SELECT MAX(epoch) FROM reward_epochs WHERE datanet = ?)
          """, arguments: [num, num])
      {
        if let account = AccountID(hex: row["account"]),
          case .success(let amount) = UInt128.parseAmount(row["cumulative"] as String)
        {
          cumulative[account] = DecimalAmount(amount)
        }
      }
      return (contributors, cumulative)
    }
    for contributor in contributors { roles[contributor, default: []].insert(.contributor) }
    let everyone = Set(roles.keys).union(cumulative.keys).union(addresses.keys)
    return everyone.sorted().map { account in
      Account(
        account: account, roles: (roles[account] ?? []).sorted(),
        cumulative: cumulative[account], payout: addresses[account])
    }
  }
}
