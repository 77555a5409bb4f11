import Foundation

/// How a leaf is laid out, as a manifest's predicate type says (Docs/Manifest.md).
public enum LeafFormat: Int, Sendable, Codable, Comparable, CaseIterable {
  /// `SHA-256(0x00 ‖ datanet[32] ‖ epoch u64 BE ‖ account[32] ‖ cumulative u256 BE)`, 105
  /// bytes hashed; `leaves.jsonl` lines `{"account","cumulative"}`.
  case v1 = 1
  /// `SHA-256(0x00 ‖ datanet[32] ‖ epoch u64 BE ‖ account[32] ‖ recipient[20] ‖ cumulative
  /// u256 BE)`, 125 bytes hashed; lines `{"account","cumulative","recipient"}`. The recipient
  /// is the account's payout address, or the zero address when it has none.
  case v2 = 2

  /// What openledger writes.
  public static let current = LeafFormat.v2

  /// The bytes hashed for one leaf.
  public var leafSize: Int { self == .v1 ? 105 : 125 }

  public static func < (lhs: LeafFormat, rhs: LeafFormat) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An epoch's leaves: every account that has earned anything, with its cumulative amount and,
/// in leaf format v2, the address it is paid to, in the tree's order (ascending leaf hash).
/// Accounts, recipients and hashes are kept as packed rows, since a manifest may hold millions.
///
/// A v1 leaf is `SHA-256(0x00 ‖ datanet[32] ‖ epoch u64 BE ‖ account[32] ‖ cumulative u256 BE)`
/// (105 bytes hashed); a v2 leaf puts the 20-byte recipient before the amount (125 bytes).
/// `leaves.jsonl` holds one canonical line per leaf, in the same order:
/// `{"account":"<64 hex>","cumulative":"<decimal>"}` (v1) or
/// `{"account":"<64 hex>","cumulative":"<decimal>","recipient":"0x<40 hex>"}` (v2), and a line
/// feed.
public struct RewardLeaves: Sendable {
  public let datanet: Digest
  public let epoch: UInt64
  public let format: LeafFormat
  /// Raw account keys, 32 bytes per leaf.
  public private(set) var accounts: [UInt8]
  public private(set) var amounts: [TokenAmount]
  /// Raw recipient addresses, 20 bytes per leaf (v2); empty in v1.
  public private(set) var recipients: [UInt8]
  /// Leaf hashes, 32 bytes per leaf, strictly ascending.
  public private(set) var hashes: [UInt8]
  /// The sum of the amounts.
  public let total: TokenAmount

  public var count: Int { amounts.count }

  /// Leaves for `cumulative`, hashed and sorted: v1 without `recipients`; v2 with them, where
  /// an account missing from `recipients` is paid to the zero address. Throws when the amounts'
  /// sum overflows.
  public init(
    datanet: Digest, epoch: UInt64, cumulative: [AccountID: TokenAmount],
    recipients: [AccountID: EVMAddress]? = nil
  ) throws {
    // The order of the dictionary does not matter: the leaves are sorted by hash.
    var accounts = [UInt8]()
    accounts.reserveCapacity(cumulative.count * 32)
    var amounts = [TokenAmount]()
    amounts.reserveCapacity(cumulative.count)
    var addresses: [UInt8]?
    if recipients != nil { addresses = [UInt8]() }
    addresses?.reserveCapacity(cumulative.count * 20)
    for (account, amount) in cumulative {
      accounts.append(contentsOf: account.bytes)
      amounts.append(amount)
      if let recipients {
        addresses?.append(contentsOf: (recipients[account] ?? .zero).bytes)
      }
    }
    try self.init(
      datanet: datanet, epoch: epoch, accounts: accounts, amounts: amounts,
      recipients: addresses)
  }

  /// Leaves for packed 32-byte `accounts` (distinct) and their `amounts` (and, in v2, packed
  /// 20-byte `recipients`), hashed and sorted.
  public init(
    datanet: Digest, epoch: UInt64, accounts: [UInt8], amounts: [TokenAmount],
    recipients: [UInt8]? = nil
  ) throws {
    precondition(accounts.count == amounts.count * 32)
    precondition(recipients.map { $0.count == amounts.count * 20 } ?? true)
    self.datanet = datanet
    self.epoch = epoch
    self.format = recipients == nil ? .v1 : .v2
    let n = amounts.count
    var total: TokenAmount = 0
    for amount in amounts {
      let (sum, overflow) = total.addingReportingOverflow(amount)
      if overflow { throw RewardsError.amountOverflow(account: nil) }
      total = sum
    }
    self.total = total
    let unsorted = Self.hashLeaves(
      datanet: datanet, epoch: epoch, accounts: accounts, amounts: amounts,
      recipients: recipients)
    let order = Self.ascendingOrder(unsorted, count: n)
    self.accounts = Self.permuted(accounts, rowSize: 32, by: order)
    self.hashes = Self.permuted(unsorted, rowSize: 32, by: order)
    self.recipients = recipients.map { Self.permuted($0, rowSize: 20, by: order) } ?? []
    self.amounts = order.map { amounts[Int($0)] }
  }

  init(
    datanet: Digest, epoch: UInt64, format: LeafFormat, sortedAccounts: [UInt8],
    amounts: [TokenAmount], recipients: [UInt8], hashes: [UInt8], total: TokenAmount
  ) {
    self.datanet = datanet
    self.epoch = epoch
    self.format = format
    self.accounts = sortedAccounts
    self.amounts = amounts
    self.recipients = recipients
    self.hashes = hashes
    self.total = total
  }

  /// The rows of `rows` (each `rowSize` bytes) in the order `order` gives.
  private static func permuted(_ rows: [UInt8], rowSize: Int, by order: [UInt32]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: order.count * rowSize)
    rows.withUnsafeBytes { from in
      out.withUnsafeMutableBytes { to in
        for (position, index) in order.enumerated() {
          (to.baseAddress! + position * rowSize).copyMemory(
            from: from.baseAddress! + Int(index) * rowSize, byteCount: rowSize)
        }
      }
    }
    return out
  }

  public func account(at index: Int) -> AccountID {
    AccountID(hex: Hex.encode(accounts[index * 32..<index * 32 + 32]))!
  }

  /// The address leaf `index` pays (v2), nil in v1.
  public func recipient(at index: Int) -> EVMAddress? {
    format == .v1 ? nil : EVMAddress(unchecked: Array(recipients[index * 20..<index * 20 + 20]))
  }

  public func leafHash(at index: Int) -> Digest {
    Digest(bytes: hashes[index * 32..<index * 32 + 32])
  }

  /// The position of `account`'s leaf, or nil.
  public func index(of account: AccountID) -> Int? {
    let key = account.bytes
    return accounts.withUnsafeBytes { rows in
      key.withUnsafeBytes { key in
        (0..<count).first { memcmp(rows.baseAddress! + $0 * 32, key.baseAddress!, 32) == 0 }
      }
    }
  }

  /// The cumulative amounts by account.
  public var cumulative: [AccountID: TokenAmount] {
    var map = [AccountID: TokenAmount](minimumCapacity: count)
    for index in 0..<count { map[account(at: index)] = amounts[index] }
    return map
  }

  /// The recipients by account (v2), nil in v1.
  public var recipientsByAccount: [AccountID: EVMAddress]? {
    guard format == .v2 else { return nil }
    var map = [AccountID: EVMAddress](minimumCapacity: count)
    for index in 0..<count { map[account(at: index)] = recipient(at: index) }
    return map
  }

  /// The accounts whose leaf pays the zero address (v2: they had no payout address), sorted;
  /// empty in v1.
  public var accountsWithoutRecipient: [AccountID] {
    guard format == .v2 else { return [] }
    return (0..<count).filter { recipient(at: $0)!.isZero }.map(account(at:)).sorted()
  }

  public func tree() -> MerkleTree { MerkleTree(sortedLeafHashes: hashes) }

  // MARK: Hashing

  /// One leaf hash: v1 without `recipient`, v2 with it.
  public static func leafHash(
    datanet: Digest, epoch: UInt64, account: AccountID, recipient: EVMAddress? = nil,
    cumulative: TokenAmount
  ) -> Digest {
    Digest(
      bytes: hashLeaves(
        datanet: datanet, epoch: epoch, accounts: account.bytes, amounts: [cumulative],
        recipients: recipient?.bytes))
  }

  /// The leaf hashes of packed accounts, amounts and (v2) recipients, in the same order, 32
  /// bytes each.
  static func hashLeaves(
    datanet: Digest, epoch: UInt64, accounts: [UInt8], amounts: [TokenAmount],
    recipients: [UInt8]?
  ) -> [UInt8] {
    let n = amounts.count
    var out = [UInt8](repeating: 0, count: n * 32)
    let prefix = leafPrefix(datanet: datanet, epoch: epoch)
    let recipientSize = recipients == nil ? 0 : 20
    let addresses = recipients ?? []
    out.withUnsafeMutableBytes { out in
      accounts.withUnsafeBytes { accounts in
        addresses.withUnsafeBytes { addresses in
          let outBase = out.baseAddress!
          let accountBase = accounts.baseAddress!
          let addressBase = addresses.baseAddress
          Parallel.forEachChunk(count: n) { range in
            var buffer = prefix + [UInt8](repeating: 0, count: 64 + recipientSize)
            buffer.withUnsafeMutableBytes { buffer in
              for index in range {
                (buffer.baseAddress! + 41).copyMemory(
                  from: accountBase + index * 32, byteCount: 32)
                if recipientSize > 0 {
                  (buffer.baseAddress! + 73).copyMemory(
                    from: addressBase! + index * 20, byteCount: 20)
                }
                writeU256(amounts[index], to: buffer.baseAddress! + 73 + recipientSize)
                MerkleTree.sha256(UnsafeRawBufferPointer(buffer), into: outBase + index * 32)
              }
            }
          }
        }
      }
    }
    return out
  }

  /// The first 41 bytes of every leaf of an epoch: 0x00, the Datanet id, the epoch.
  static func leafPrefix(datanet: Digest, epoch: UInt64) -> [UInt8] {
    var prefix: [UInt8] = [0x00]
    prefix.append(contentsOf: datanet.bytes)
    for shift in stride(from: 56, through: 0, by: -8) {
      prefix.append(UInt8(truncatingIfNeeded: epoch >> UInt64(shift)))
    }
    return prefix
  }

  @inline(__always)
  private static func writeU256(_ value: TokenAmount, to pointer: UnsafeMutableRawPointer) {
    pointer.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
    pointer.storeBytes(
      of: UInt64(truncatingIfNeeded: value >> 64).bigEndian, toByteOffset: 16,
      as: UInt64.self)
    pointer.storeBytes(
      of: UInt64(truncatingIfNeeded: value).bigEndian, toByteOffset: 24,
      as: UInt64.self)
  }

  /// The positions of `hashes` (32-byte rows) in ascending order.
  static func ascendingOrder(_ hashes: [UInt8], count n: Int) -> [UInt32] {
    hashes.withUnsafeBytes { rows in
      let base = rows.baseAddress!
      var keys = [(key: UInt64, index: UInt32)]()
      keys.reserveCapacity(n)
      for index in 0..<n {
        keys.append(
          (
            base.loadUnaligned(fromByteOffset: index * 32, as: UInt64.self).bigEndian,
            UInt32(index)
          ))
      }
      keys.sort { a, b in
        if a.key != b.key { return a.key < b.key }
        return memcmp(base + Int(a.index) * 32, base + Int(b.index) * 32, 32) < 0
      }
      return keys.map(\.index)
    }
  }

  /// The first line out of leaf-hash order, or the second line of an account, if any.
  public func orderProblem() -> FormatError? {
    let n = count
    let outOfOrder = hashes.withUnsafeBytes { rows -> Int? in
      for index in 1..<max(n, 1)
      where memcmp(
        rows.baseAddress! + (index - 1) * 32, rows.baseAddress! + index * 32, 32) >= 0
      {
        return index
      }
      return nil
    }
    if let outOfOrder {
      return FormatError(
        line: outOfOrder + 1,
        reason: "its leaf hash is not greater than the previous line's; leaves are sorted by "
          + "leaf hash, ascending")
    }
    // Most files have no repeated account: a set of 8-byte prefixes shows it in one pass, and
    // only a shared prefix calls for the full comparison.
    let firstPrefixRepeat = accounts.withUnsafeBytes { rows -> Bool in
      var seen = Set<UInt64>(minimumCapacity: n)
      for index in 0..<n
      where !seen.insert(rows.loadUnaligned(fromByteOffset: index * 32, as: UInt64.self)).inserted {
        return true
      }
      return false
    }
    guard firstPrefixRepeat else { return nil }
    let order = Self.ascendingOrder(accounts, count: n)
    return accounts.withUnsafeBytes { rows -> FormatError? in
      for index in 1..<max(n, 1) {
        let a = Int(order[index - 1])
        let b = Int(order[index])
        if memcmp(rows.baseAddress! + a * 32, rows.baseAddress! + b * 32, 32) == 0 {
          return FormatError(
            line: max(a, b) + 1,
            reason: "account \(Hex.encode(rows[b * 32..<b * 32 + 32])) has a leaf already on "
              + "line \(min(a, b) + 1)")
        }
      }
      return nil
    }
  }
}

extension RewardLeaves {
  /// Why these (v2) leaves disagree with the predicate's list of accounts without a payout
  /// address, or nil: the list must name exactly the accounts whose leaf pays the zero address.
  public func payoutProblem(_ predicate: RewardsPredicate) -> String? {
    guard format == .v2 else { return nil }
    let listed = predicate.withoutPayoutAddress ?? []
    let zero = accountsWithoutRecipient
    guard listed != zero else { return nil }
    let missing = Set(zero).subtracting(listed).sorted()
    let extra = Set(listed).subtracting(zero).sorted()
    if let account = missing.first {
      return "account \(account.hex) is paid to the zero address, but the statement's "
        + "withoutPayoutAddress does not list it"
    }
    if let account = extra.first {
      return "the statement's withoutPayoutAddress lists \(account.hex), whose leaf names a "
        + "payout address (or that has no leaf)"
    }
    return "the statement's withoutPayoutAddress is not sorted or repeats an account"
  }
}
