import Foundation

/// An epoch's leaves: every account that has earned anything, with its cumulative amount, in
/// the tree's order (ascending leaf hash). Accounts and hashes are kept as packed 32-byte rows,
/// since a manifest may hold millions.
///
/// A leaf is `SHA-256(0x00 ‖ datanet[32] ‖ epoch u64 BE ‖ account[32] ‖ cumulative u256 BE)`
/// (105 bytes hashed). `leaves.jsonl` holds one canonical line per leaf, in the same order:
/// `{"account":"<64 hex>","cumulative":"<decimal>"}` and a line feed.
public struct RewardLeaves: Sendable {
  public let datanet: Digest
  public let epoch: UInt64
  /// Raw account keys, 32 bytes per leaf.
  public private(set) var accounts: [UInt8]
  public private(set) var amounts: [TokenAmount]
  /// Leaf hashes, 32 bytes per leaf, strictly ascending.
  public private(set) var hashes: [UInt8]
  /// The sum of the amounts.
  public let total: TokenAmount

  public var count: Int { amounts.count }

  /// Leaves for `cumulative`, hashed and sorted. Throws when the amounts' sum overflows.
  public init(datanet: Digest, epoch: UInt64, cumulative: [AccountID: TokenAmount]) throws {
    // The order of the dictionary does not matter: the leaves are sorted by hash.
    var accounts = [UInt8]()
    accounts.reserveCapacity(cumulative.count * 32)
    var amounts = [TokenAmount]()
    amounts.reserveCapacity(cumulative.count)
    for (account, amount) in cumulative {
      accounts.append(contentsOf: account.bytes)
      amounts.append(amount)
    }
    try self.init(datanet: datanet, epoch: epoch, accounts: accounts, amounts: amounts)
  }

  /// Leaves for packed 32-byte `accounts` (distinct) and their `amounts`, hashed and sorted.
  public init(datanet: Digest, epoch: UInt64, accounts: [UInt8], amounts: [TokenAmount]) throws {
    precondition(accounts.count == amounts.count * 32)
    self.datanet = datanet
    self.epoch = epoch
    let n = amounts.count
    var total: TokenAmount = 0
    for amount in amounts {
      let (sum, overflow) = total.addingReportingOverflow(amount)
      if overflow { throw RewardsError.amountOverflow(account: nil) }
      total = sum
    }
    self.total = total
    let unsorted = Self.hashLeaves(
      datanet: datanet, epoch: epoch, accounts: accounts, amounts: amounts)
    let order = Self.ascendingOrder(unsorted, count: n)
    var sortedAccounts = [UInt8](repeating: 0, count: n * 32)
    var sortedHashes = [UInt8](repeating: 0, count: n * 32)
    var sortedAmounts = [TokenAmount]()
    sortedAmounts.reserveCapacity(n)
    accounts.withUnsafeBytes { from in
      unsorted.withUnsafeBytes { hashes in
        sortedAccounts.withUnsafeMutableBytes { toAccounts in
          sortedHashes.withUnsafeMutableBytes { toHashes in
            for (position, index) in order.enumerated() {
              let source = Int(index) * 32
              (toAccounts.baseAddress! + position * 32).copyMemory(
                from: from.baseAddress! + source, byteCount: 32)
              (toHashes.baseAddress! + position * 32).copyMemory(
                from: hashes.baseAddress! + source, byteCount: 32)
            }
          }
        }
      }
    }
    for index in order { sortedAmounts.append(amounts[Int(index)]) }
    self.accounts = sortedAccounts
    self.amounts = sortedAmounts
    self.hashes = sortedHashes
  }

  init(
    datanet: Digest, epoch: UInt64, sortedAccounts: [UInt8], amounts: [TokenAmount],
    hashes: [UInt8], total: TokenAmount
  ) {
    self.datanet = datanet
    self.epoch = epoch
    self.accounts = sortedAccounts
    self.amounts = amounts
    self.hashes = hashes
    self.total = total
  }

  public func account(at index: Int) -> AccountID {
    AccountID(hex: Hex.encode(accounts[index * 32..<index * 32 + 32]))!
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

  public func tree() -> MerkleTree { MerkleTree(sortedLeafHashes: hashes) }

  // MARK: Hashing

  /// `SHA-256(0x00 ‖ datanet ‖ epoch u64 BE ‖ account ‖ cumulative u256 BE)`.
  public static func leafHash(
    datanet: Digest, epoch: UInt64, account: AccountID, cumulative: TokenAmount
  ) -> Digest {
    Digest(
      bytes: hashLeaves(
        datanet: datanet, epoch: epoch, accounts: account.bytes, amounts: [cumulative]))
  }

  /// The leaf hashes of packed accounts and amounts, in the same order, 32 bytes each.
  static func hashLeaves(
    datanet: Digest, epoch: UInt64, accounts: [UInt8], amounts: [TokenAmount]
  ) -> [UInt8] {
    let n = amounts.count
    var out = [UInt8](repeating: 0, count: n * 32)
    let prefix = leafPrefix(datanet: datanet, epoch: epoch)
    out.withUnsafeMutableBytes { out in
      accounts.withUnsafeBytes { accounts in
        let outBase = out.baseAddress!
        let accountBase = accounts.baseAddress!
        Parallel.forEachChunk(count: n) { range in
          var buffer = prefix + [UInt8](repeating: 0, count: 64)
          buffer.withUnsafeMutableBytes { buffer in
            for index in range {
              (buffer.baseAddress! + 41).copyMemory(
                from: accountBase + index * 32, byteCount: 32)
              writeU256(amounts[index], to: buffer.baseAddress! + 73)
              MerkleTree.sha256(UnsafeRawBufferPointer(buffer), into: outBase + index * 32)
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
