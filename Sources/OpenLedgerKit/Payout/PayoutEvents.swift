/// The body of a `payout.set` event: the EVM address that receives the actor's rewards in the
/// event's Datanet. The account is the event's actor, so no event can name another account's
/// address; the latest `payout.set` of an account in the fold's order is its payout address.
public struct PayoutSet: Codable, Sendable, Equatable {
  /// Stored as `0x` and 40 lowercase hex digits; never the zero address.
  public var address: EVMAddress
  /// The chain the account expects to be paid on, when it said (EIP-155 chain id, positive).
  public var chainId: UInt64?

  public init(address: EVMAddress, chainId: UInt64? = nil) {
    self.address = address
    self.chainId = chainId
  }

  /// Throws unless the body can be recorded: a real address and a positive chain id.
  public func check() throws(PayoutError) {
    if address.isZero { throw .zeroAddress }
    if chainId == 0 { throw .invalidChainID }
  }
}
