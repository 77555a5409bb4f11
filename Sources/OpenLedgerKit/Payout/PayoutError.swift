/// Failures of payouts: addresses a person gave, setting another account's address, calldata
/// for a leaf no contract can pay.
public enum PayoutError: OpenLedgerError {
  /// Not `0x` and 40 hex digits.
  case malformedAddress(String)
  /// Mixed case that is not the EIP-55 checksum: most likely a typo.
  case badChecksum(String)
  /// All one case, so no checksum could catch a typo.
  case unchecksummed(String)
  /// The zero address, which burns what is sent to it.
  case zeroAddress
  /// A chain id of 0.
  case invalidChainID
  /// `payout set --account` of an account that is not the signer's.
  case notOwnAccount(account: AccountID, signer: AccountID)
  /// Calldata asked for a leaf whose recipient is the zero address.
  case noPayoutAddress(account: AccountID, epoch: UInt64, datanet: String)
  /// Calldata asked for a manifest of leaf format v1, whose leaves name no recipient.
  case leavesWithoutRecipients(manifest: Digest, epoch: UInt64)

  public var kind: FailureKind {
    switch self {
    case .malformedAddress, .badChecksum, .unchecksummed, .zeroAddress, .invalidChainID,
      .noPayoutAddress, .leavesWithoutRecipients:
      .dataError
    case .notOwnAccount: .permissionDenied
    }
  }

  public var description: String {
    switch self {
    case .malformedAddress(let text):
      "'\(text)' is not an EVM address: give 0x and 40 hex digits, as your wallet shows it"
    case .badChecksum(let text):
      "\(text) fails its EIP-55 checksum (the case of its letters): one of its characters is "
        + "probably wrong. Copy the address again from your wallet; nothing was written"
    case .unchecksummed(let text):
      "\(text) carries no EIP-55 checksum (its letters are all one case), so a typo in it "
        + "could not be caught, and rewards sent to a wrong address are lost. Copy the "
        + "checksummed (mixed-case) address from your wallet, or pass --unchecked-address if "
        + "you have checked this one; nothing was written"
    case .zeroAddress:
      "the zero address cannot receive payouts: tokens sent there are burned. Give your "
        + "wallet's address; nothing was written"
    case .invalidChainID:
      "--chain-id must be a positive chain id (1 for Ethereum mainnet); nothing was written"
    case .notOwnAccount(let account, let signer):
      "only an account itself may set its payout address: \(account.fingerprint) is not the "
        + "signing identity's account \(signer.fingerprint). Run the command as that account's "
        + "identity (--as NAME); nothing was written"
    case .noPayoutAddress(let account, let epoch, let datanet):
      "account \(account.hex) had no payout address when epoch \(epoch) of \(datanet) was "
        + "computed, so its leaf pays the zero address and must not be claimed. Run `openledger "
        + "payout set \(datanet) --address 0x… --as NAME` as that account; its next epoch's "
        + "leaf pays everything it has earned to that address"
    case .leavesWithoutRecipients(let manifest, let epoch):
      "manifest \(manifest.short) (epoch \(epoch)) has leaf format v1, whose leaves name no "
        + "recipient; the distributor pays v2 leaves only. Compute a new epoch, which is v2"
    }
  }
}
