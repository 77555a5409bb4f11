/// What a replay knows of causality: which events happened before which, and so who held a
/// right when an event was written.
///
/// The rule (Docs/Formats.md, "Rights follow causality"): an event that needs a right is
/// judged against its **causal past** (the events it descends from), never against events it
/// could not have seen. Its actor must
/// hold the right there, and no removal of that right may be **concurrent** with it (neither
/// its ancestor nor its descendant): removal wins. Curator membership itself is a remove-wins
/// set: an account is a curator in a set of events when one of the events that add it comes
/// after every event in the set that removes it. Model operators (whose signed inference logs
/// back reward epochs) are a second remove-wins set, kept by the same events the same way.
///
/// Replays (`rebuild-catalog`, ledger verification) build one `Causality` over every event they
/// fold. Writing a new event needs none: its parents are all the Datanet's heads, so its causal
/// past is everything the catalog holds and nothing is concurrent with it.
final class Causality {
  /// A removal of the actor's right that the event could not have seen.
  struct Standing {
    /// The curators of the Datanet in the event's causal past, sorted.
    var curators: [AccountID]
    /// A `datanet.update` removing the actor as a curator, concurrent with the event.
    var concurrentRemoval: Digest?
    /// The model operators of the Datanet in the event's causal past, sorted.
    var operators: [AccountID] = []
  }

  private let parents: [Digest: [Digest]]
  private var datanets = [Digest: Membership]()
  /// Event → index of the set of membership events in its causal past (`Membership.pasts`).
  private var pastOf = [Digest: Int]()
  private var ancestorCache = [Digest: Set<Digest>]()

  /// `order` is the replay's order (parents first); `events` the events it folds.
  init(events: [Digest: SignedEvent], order: [Digest]) {
    parents = events.mapValues(\.payload.parents)
    var complete = Set<Digest>()
    for id in order {
      let event = events[id]!
      guard event.payload.parents.allSatisfy(complete.contains) else { continue }
      complete.insert(id)
      let datanet = event.datanet
      if case .datanetCreate(let body) = event.payload.body {
        datanets[datanet] = Membership(owner: body.owner)
      }
      guard let membership = datanets[datanet] else { continue }
      var past = membership.emptyPast
      for parent in Set(event.payload.parents) {
        guard let parentPast = pastOf[parent] else { continue }
        past = membership.union(past, membership.pasts[parentPast])
        if let bit = membership.index[parent] { membership.set(bit, in: &past) }
      }
      let interned = membership.intern(past)
      pastOf[id] = interned
      switch event.payload.body {
      case .datanetCreate(let body):
        membership.record(id, past: interned, changes: [.curator: (body.curators, [])])
      case .datanetUpdate(let body)
      where (body.changesCurators || body.changesOperators)
        && event.payload.actor == membership.owner:
        membership.record(
          id, past: interned,
          changes: [
            .curator: (body.addCurators ?? [], body.removeCurators ?? []),
            .operator: (body.addOperators ?? [], body.removeOperators ?? []),
          ])
      default:
        break
      }
    }
  }

  /// The curators of `datanet` in the causal past of `event`, and a removal of `actor`
  /// concurrent with it, if any.
  func standing(of actor: AccountID, at event: Digest, in datanet: Digest) -> Standing? {
    guard let membership = datanets[datanet], let past = pastOf[event] else { return nil }
    let bits = membership.pasts[past]
    return Standing(
      curators: membership.members(.curator, in: bits),
      concurrentRemoval: concurrentRemoval(of: actor, as: .curator, at: event, in: datanet),
      operators: membership.members(.operator, in: bits))
  }

  /// A `datanet.update` removing `account` from `role`, concurrent with `event` (neither in its
  /// causal past nor descending from it), if any.
  func concurrentRemoval(
    of account: AccountID, as role: MemberRole, at event: Digest, in datanet: Digest
  ) -> Digest? {
    guard let membership = datanets[datanet], let past = pastOf[event] else { return nil }
    let bits = membership.pasts[past]
    for bit in membership.removals[role]?[account] ?? [] where !membership.isSet(bit, in: bits) {
      let candidate = membership.events[bit]
      if !ancestors(of: candidate).contains(event) { return candidate }
    }
    return nil
  }

  /// Notes that `event` of `datanet` changed the Datanet (a membership event that applies).
  func markApplied(_ event: Digest, in datanet: Digest) {
    guard let membership = datanets[datanet], let bit = membership.index[event] else { return }
    membership.set(bit, in: &membership.applied)
  }

  /// The curators once every membership event applied so far is folded in: what the catalog
  /// keeps as the Datanet's current curators.
  func currentCurators(of datanet: Digest) -> [AccountID]? {
    guard let membership = datanets[datanet] else { return nil }
    return membership.members(.curator, in: membership.applied)
  }

  /// The operators once every membership event applied so far is folded in.
  func currentOperators(of datanet: Digest) -> [AccountID]? {
    guard let membership = datanets[datanet] else { return nil }
    return membership.members(.operator, in: membership.applied)
  }

  /// Whether `ancestor` is in the causal past of `event`.
  func isAncestor(_ ancestor: Digest, of event: Digest) -> Bool {
    ancestors(of: event).contains(ancestor)
  }

  /// Which of `candidates` are among `heads` or the events they descend from. Walks the parents
  /// from the heads, and stops as soon as every candidate is found.
  func candidates(_ candidates: Set<Digest>, inPastOf heads: [Digest]) -> Set<Digest> {
    var found = Set<Digest>()
    var seen = Set<Digest>()
    var pending = heads
    while found.count < candidates.count, let next = pending.popLast() {
      guard seen.insert(next).inserted else { continue }
      if candidates.contains(next) { found.insert(next) }
      pending += parents[next] ?? []
    }
    return found
  }

  /// Every event `event` descends from (not itself).
  private func ancestors(of event: Digest) -> Set<Digest> {
    if let known = ancestorCache[event] { return known }
    var seen = Set<Digest>()
    var pending = parents[event] ?? []
    while let next = pending.popLast() {
      if seen.insert(next).inserted { pending += parents[next] ?? [] }
    }
    ancestorCache[event] = seen
    return seen
  }
}

/// The memberships a Datanet's owner grants and revokes, each a remove-wins set.
enum MemberRole: Hashable {
  case curator
  case `operator`
}

/// One Datanet's membership events (its create and its owner's updates that add or remove
/// curators or operators), numbered in replay order, and the sets of them that events descend
/// from, each kept once.
private final class Membership {
  let owner: AccountID
  /// Membership events by number.
  var events = [Digest]()
  var index = [Digest: Int]()
  /// Role → account → the membership events that add it, and that remove it.
  var additions = [MemberRole: [AccountID: [Int]]]()
  var removals = [MemberRole: [AccountID: [Int]]]()
  /// Interned bit sets of membership events; `pasts[i]` for the events whose past is set `i`.
  var pasts = [[UInt64]]()
  private var interned = [[UInt64]: Int]()
  private var memberCache = [MemberRole: [[UInt64]: [AccountID]]]()
  /// Membership event number → the index in `pasts` of its own causal past.
  var pastIndex = [Int]()
  /// The membership events the replay has applied so far.
  var applied = [UInt64]()

  init(owner: AccountID) {
    self.owner = owner
  }

  var emptyPast: [UInt64] { [] }

  func record(
    _ event: Digest, past: Int, changes: [MemberRole: (adds: [AccountID], removes: [AccountID])]
  ) {
    let bit = events.count
    events.append(event)
    index[event] = bit
    pastIndex.append(past)
    for (role, change) in changes {
      for account in change.adds { additions[role, default: [:]][account, default: []].append(bit) }
      for account in change.removes {
        removals[role, default: [:]][account, default: []].append(bit)
      }
    }
  }

  func intern(_ bits: [UInt64]) -> Int {
    if let known = interned[bits] { return known }
    pasts.append(bits)
    interned[bits] = pasts.count - 1
    return pasts.count - 1
  }

  func union(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    var out = a.count >= b.count ? a : b
    for (i, word) in (a.count >= b.count ? b : a).enumerated() { out[i] |= word }
    return out
  }

  func set(_ bit: Int, in bits: inout [UInt64]) {
    while bits.count <= bit / 64 { bits.append(0) }
    bits[bit / 64] |= 1 << UInt64(bit % 64)
  }

  func isSet(_ bit: Int, in bits: [UInt64]) -> Bool {
    bit / 64 < bits.count && bits[bit / 64] & (1 << UInt64(bit % 64)) != 0
  }

  /// Remove-wins membership over the membership events in `bits`: an account holds `role`
  /// when one of its additions there comes after every one of its removals there.
  func members(_ role: MemberRole, in bits: [UInt64]) -> [AccountID] {
    if let known = memberCache[role]?[bits] { return known }
    var members = [AccountID]()
    for (account, adds) in additions[role] ?? [:] {
      let removes = (removals[role]?[account] ?? []).filter { isSet($0, in: bits) }
      let held = adds.contains { add in
        guard isSet(add, in: bits) else { return false }
        let after = pasts[pastIndex[add]]
        return removes.allSatisfy { isSet($0, in: after) }
      }
      if held { members.append(account) }
    }
    members.sort()
    memberCache[role, default: [:]][bits] = members
    return members
  }
}
