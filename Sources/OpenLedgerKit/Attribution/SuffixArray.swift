import CPrefetch
import Foundation

/// Suffix arrays by induced sorting (SA-IS, Nong, Zhang and Chan, 2009) over an integer alphabet,
/// with the reduced problem solved by prefix doubling when that is cheaper.
///
/// The suffixes of a text `s[0..<n]` are sorted as sequences of unsigned integers, a suffix that
/// is a prefix of another sorting first (as if the text ended with a unique smallest symbol). The
/// algorithm sorts the "LMS substrings" by two induced passes and names them; the order of the
/// LMS suffixes follows from the suffixes of the string of names (the reduced problem), and the
/// whole order is induced from it by two more passes.
///
/// SA-IS recurses on the reduced problem. On word tokens that is wasteful: nearly every LMS
/// substring is unique (on 15 M tokens of English-like text, 4.6 M names for 5.1 M LMS
/// substrings), so the reduced string has an alphabet almost as large as itself, and its
/// induced passes miss the cache on every bucket. Instead, the LMS suffixes already stand in
/// the order of their substrings, and only the runs of equal substrings ("groups", an eighth of
/// them there) need sorting: by prefix doubling (Manber and Myers; Larsson and Sadakane), each
/// round sorting a group by the rank of the suffix `h` names further on, `h` doubling. Long
/// repeats make doubling slow (a text repeated with period p needs log p rounds over it), so it
/// stops after visiting four entries per LMS suffix, or after a round that leaves more than half
/// of them unsorted and sorts fewer than half of those it saw, and SA-IS recurses as usual; the
/// work spent is at most a constant factor.
///
/// Memory beyond the text and the output: a bit per position for the suffix types, three bucket
/// arrays of the alphabet's size, and for the reduced problem, which lives in the output array
/// itself (at most half its length) as the original paper arranges it, the list of groups and
/// four bytes per 64 positions to rank LMS positions.
///
/// The induced passes read no type bits, which would cost a cache miss per suffix: in the
/// L pass, the suffix before `j` is L-type exactly when `s[j-1] >= s[j]`; in the S pass, each
/// S-type suffix carries a mark in its entry's top bit from the moment it is placed, which is
/// cleared as the scan passes it, except on LMS suffixes in the first round, which keeps them
/// found without type bits either. LMS substrings are named by comparing their lengths and
/// symbols, again without type bits (as in Yuta Mori's sais).
public enum SuffixArray {
  /// The marker of an empty slot; positions are always smaller.
  private static let empty = UInt32.max
  /// The top bit of an entry, set on S-type suffixes during the S pass.
  private static let mark: UInt32 = 1 << 31

  /// How many entries ahead of the scan the induced passes prefetch the text.
  private static let prefetchDistance = 32

  /// Prefix doubling gives up after visiting this many entries per LMS suffix.
  private static let doublingBudget = 4

  /// The most symbols a text may have: entries keep their top bit for the S mark.
  public static let maximumCount = Int(Int32.max) - 1

  /// Sorts the suffixes of `text`, whose symbols are all below `alphabetSize`, into `suffixes`,
  /// which must have the same count. At most `maximumCount` symbols.
  public static func build(
    text: UnsafeBufferPointer<UInt32>, alphabetSize: Int,
    into suffixes: UnsafeMutableBufferPointer<UInt32>
  ) {
    precondition(text.count == suffixes.count, "the suffix array has one entry per symbol")
    precondition(text.count <= maximumCount, "a text has fewer than 2^31 - 1 symbols")
    guard let textBase = text.baseAddress, let base = suffixes.baseAddress else { return }
    sort(textBase, count: text.count, alphabetSize: max(alphabetSize, 1), into: base)
  }

  /// The suffix array of `text`, for tests and small inputs.
  public static func build(_ text: [UInt32], alphabetSize: Int) -> [UInt32] {
    var result = [UInt32](repeating: 0, count: text.count)
    text.withUnsafeBufferPointer { text in
      result.withUnsafeMutableBufferPointer { out in
        build(text: text, alphabetSize: alphabetSize, into: out)
      }
    }
    return result
  }

  // MARK: - The algorithm

  /// Suffix types, one bit per position: set for S (smaller than the next suffix), clear for L.
  private struct Types: ~Copyable {
    let words: UnsafeMutablePointer<UInt64>
    let wordCount: Int

    init(count: Int) {
      wordCount = max((count + 63) / 64, 1)
      words = .allocate(capacity: wordCount)
      words.initialize(repeating: 0, count: wordCount)
    }

    deinit {
      words.deallocate()
    }

    @inline(__always)
    func isS(_ i: Int) -> Bool {
      words[i >> 6] >> UInt64(i & 63) & 1 != 0
    }

    @inline(__always)
    func setS(_ i: Int) {
      words[i >> 6] |= 1 << UInt64(i & 63)
    }

    /// The leftmost-S positions (S-type with an L-type suffix before; never 0) among the 64
    /// positions of word `w`, one bit each.
    @inline(__always)
    func lmsBits(_ w: Int) -> UInt64 {
      let types = words[w]
      let carried = w == 0 ? 1 : words[w - 1] >> 63
      return types & ~(types << 1 | carried)
    }

    /// Calls `body` with each LMS position, in increasing order.
    @inline(__always)
    func forEachLMS(_ body: (Int) -> Void) {
      for w in 0..<wordCount {
        var bits = lmsBits(w)
        while bits != 0 {
          body(w << 6 | bits.trailingZeroBitCount)
          bits &= bits &- 1
        }
      }
    }
  }

  /// The start and end (exclusive) of each symbol's bucket in the suffix array.
  private struct Buckets: ~Copyable {
    let starts: UnsafeMutablePointer<UInt32>
    let ends: UnsafeMutablePointer<UInt32>
    /// The bucket pointers being moved by a pass.
    let cursor: UnsafeMutablePointer<UInt32>
    let count: Int

    init(_ s: UnsafePointer<UInt32>, count n: Int, alphabetSize: Int) {
      count = alphabetSize
      starts = .allocate(capacity: alphabetSize)
      ends = .allocate(capacity: alphabetSize)
      cursor = .allocate(capacity: alphabetSize)
      ends.initialize(repeating: 0, count: alphabetSize)
      for i in 0..<n { ends[Int(s[i])] &+= 1 }
      var total: UInt32 = 0
      for c in 0..<alphabetSize {
        starts[c] = total
        total &+= ends[c]
        ends[c] = total
      }
    }

    deinit {
      starts.deallocate()
      ends.deallocate()
      cursor.deallocate()
    }

    func resetToStarts() { cursor.update(from: starts, count: count) }
    func resetToEnds() { cursor.update(from: ends, count: count) }
  }

  /// A run `sa[start..<start + count]` of suffixes not yet told apart: they begin alike.
  private struct Group {
    var start: UInt32
    var count: UInt32
  }

  /// SA-IS on `s[0..<n]` into `sa[0..<n]`.
  private static func sort(
    _ s: UnsafePointer<UInt32>, count n: Int, alphabetSize: Int,
    into sa: UnsafeMutablePointer<UInt32>
  ) {
    if n == 0 { return }
    if n == 1 {
      sa[0] = 0
      return
    }
    let types = Types(count: n)
    // The last suffix is L: the virtual end-of-text symbol after it is smaller.
    var i = n - 2
    while i >= 0 {
      let a = s[i]
      let b = s[i + 1]
      if a < b || (a == b && types.isS(i + 1)) { types.setS(i) }
      i -= 1
    }
    let buckets = Buckets(s, count: n, alphabetSize: alphabetSize)

    // Stage 1: sort the LMS substrings by inducing from their unsorted positions.
    sa.update(repeating: empty, count: n)
    buckets.resetToEnds()
    types.forEachLMS { i in
      let c = Int(s[i])
      buckets.cursor[c] -= 1
      sa[Int(buckets.cursor[c])] = UInt32(i)
    }
    induce(s, count: n, buckets: buckets, into: sa, markingLMS: true)

    // Move the sorted LMS positions, which carry the mark, to the front.
    var lmsCount = 0
    for k in 0..<n {
      let entry = sa[k]
      if entry & mark != 0 && entry != empty {
        sa[lmsCount] = entry & ~mark
        lmsCount += 1
      }
    }
    let groups = nameLMSSubstrings(s, count: n, lmsCount: lmsCount, types: types, in: sa)

    // Stage 2: order the LMS suffixes that begin with equal LMS substrings.
    if !groups.isEmpty {
      sortReducedProblem(lmsCount: lmsCount, groups: groups, count: n, types: types, in: sa)
    }

    // Stage 3: place the sorted LMS suffixes at their bucket ends and induce the rest.
    (sa + lmsCount).update(repeating: empty, count: n - lmsCount)
    buckets.resetToEnds()
    var m = lmsCount - 1
    while m >= 0 {
      if m >= prefetchDistance { ol_prefetch(s + Int(sa[m - prefetchDistance])) }
      let position = sa[m]
      sa[m] = empty
      let c = Int(s[Int(position)])
      buckets.cursor[c] -= 1
      sa[Int(buckets.cursor[c])] = position
      m -= 1
    }
    induce(s, count: n, buckets: buckets, into: sa, markingLMS: false)
  }

  /// Names the LMS substrings, whose positions stand sorted in `sa[0..<lmsCount]`: each one's
  /// name is the index in that order of the first substring equal to it, stored at
  /// `sa[lmsCount + position / 2]` (LMS positions are two or more apart, so these never collide).
  /// Returns the runs of equal substrings.
  private static func nameLMSSubstrings(
    _ s: UnsafePointer<UInt32>, count n: Int, lmsCount: Int, types: borrowing Types,
    in sa: UnsafeMutablePointer<UInt32>
  ) -> [Group] {
    let names = sa + lmsCount
    // First the length of each LMS substring (to the next LMS position, inclusive).
    names.update(repeating: empty, count: n - lmsCount)
    var next = n
    var w = types.wordCount - 1
    while w >= 0 {
      var bits = types.lmsBits(w)
      while bits != 0 {
        let bit = 63 - bits.leadingZeroBitCount
        bits &= ~(1 << UInt64(bit))
        let position = w << 6 | bit
        names[position / 2] = UInt32(next - position + 1)
        next = position
      }
      w -= 1
    }
    // Equal lengths and symbols mean equal types too, both ending on an S-type symbol; the one
    // that reaches the end of the text is unique.
    var groups: [Group] = []
    var groupStart = 0
    var previous = -1
    var previousLength = 0
    for k in 0..<lmsCount {
      if k + prefetchDistance < lmsCount {
        let ahead = Int(sa[k + prefetchDistance])
        ol_prefetch(names + ahead / 2)
        ol_prefetch(s + ahead)
      }
      let position = Int(sa[k])
      let length = Int(names[position / 2])
      var equal =
        previous >= 0 && length == previousLength && position + length <= n
        && previous + length <= n
      if equal {
        equal = memcmp(s + previous, s + position, length * 4) == 0
      }
      if !equal {
        if k - groupStart > 1 {
          groups.append(Group(start: UInt32(groupStart), count: UInt32(k - groupStart)))
        }
        groupStart = k
      }
      names[position / 2] = UInt32(groupStart)
      previous = position
      previousLength = length
    }
    if lmsCount - groupStart > 1 {
      groups.append(Group(start: UInt32(groupStart), count: UInt32(lmsCount - groupStart)))
    }
    return groups
  }

  /// Sorts the LMS suffixes in `sa[0..<lmsCount]`, in order of their LMS substrings with the
  /// names at `sa[lmsCount + position / 2]`, where `groups` says which substrings are equal.
  private static func sortReducedProblem(
    lmsCount m: Int, groups: [Group], count n: Int, types: borrowing Types,
    in sa: UnsafeMutablePointer<UInt32>
  ) {
    // Gather the names, in text order, at the end of the array: the reduced string, whose
    // suffix `i` stands for the `i`-th LMS suffix.
    var write = n - 1
    var k = n - 1
    while k >= m {
      if sa[k] != empty {
        sa[write] = sa[k]
        write -= 1
      }
      k -= 1
    }
    let reduced = sa + (n - m)

    // The groups' entries from text positions to reduced suffixes: the number of LMS
    // positions before each.
    let lmsBefore = UnsafeMutablePointer<UInt32>.allocate(capacity: types.wordCount)
    var total: UInt32 = 0
    for w in 0..<types.wordCount {
      lmsBefore[w] = total
      total &+= UInt32(types.lmsBits(w).nonzeroBitCount)
    }
    for group in groups {
      for k in Int(group.start)..<Int(group.start + group.count) {
        let position = Int(sa[k])
        let below = types.lmsBits(position >> 6) & ((1 << UInt64(position & 63)) &- 1)
        sa[k] = lmsBefore[position >> 6] &+ UInt32(below.nonzeroBitCount)
      }
    }
    lmsBefore.deallocate()

    let doubled = sortByDoubling(
      reduced, count: m, groups: groups, budget: doublingBudget * m, in: sa)
    if !doubled {
      // The reduced string's suffixes sort as those of its ranks, refined or not: equal ranks
      // mean equal names, and the order of unequal ranks is the suffixes' order.
      let alphabetSize = renameDensely(reduced, count: m)
      sort(reduced, count: m, alphabetSize: alphabetSize, into: sa)
    }

    // Back from reduced suffixes to text positions.
    var j = 0
    types.forEachLMS { position in
      reduced[j] = UInt32(position)
      j += 1
    }
    if doubled {
      for group in groups {
        for k in Int(group.start)..<Int(group.start + group.count) {
          sa[k] = reduced[Int(sa[k])]
        }
      }
    } else {
      for k in 0..<m { sa[k] = reduced[Int(sa[k])] }
    }
  }

  /// Sorts the entries of `groups` in `sa` (suffixes of `v`) by prefix doubling, where `v[i]` is
  /// the rank of suffix `i`: the index in `sa` of the first entry of its group. Returns false,
  /// leaving `v` a valid refinement, once it would visit more than `budget` entries, or when a
  /// round leaves more than half the suffixes unsorted and sorts fewer than half of those it
  /// visited (long repeats, which SA-IS handles in linear time).
  ///
  /// In the round with step `h`, the suffixes of a group share their first `h` symbols, so they
  /// sort by the ranks of the suffixes `h` further on. Ranks are updated as groups split, within
  /// the round: a rank that is finer than the round started with still orders suffixes
  /// correctly, and suffixes with equal ranks `h` further on still share `2h` symbols.
  private static func sortByDoubling(
    _ v: UnsafeMutablePointer<UInt32>, count m: Int, groups: [Group], budget: Int,
    in sa: UnsafeMutablePointer<UInt32>
  ) -> Bool {
    var current = groups
    var largest = 0
    for group in current { largest = max(largest, Int(group.count)) }
    // Each entry's key (the rank `h` further on, plus one; 0 past the end) above its suffix.
    let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: largest)
    defer { keys.deallocate() }
    var h = 1
    var visited = 0
    var mass = 0
    for group in current { mass += Int(group.count) }
    while !current.isEmpty {
      visited += mass
      if visited > budget { return false }
      var next: [Group] = []
      var nextMass = 0
      for (index, group) in current.enumerated() {
        if index + 8 < current.count {
          let ahead = Int(current[index + 8].start)
          ol_prefetch(v + Int(sa[ahead]) + h)
          ol_prefetch(v + Int(sa[ahead + 1]) + h)
        }
        let start = Int(group.start)
        let count = Int(group.count)
        for t in 0..<count {
          let i = Int(sa[start + t])
          let key: UInt64 = i + h < m ? UInt64(v[i + h]) + 1 : 0
          keys[t] = key << 32 | UInt64(i)
        }
        var members = UnsafeMutableBufferPointer(rebasing: keys[0..<count])
        if count <= 16 {
          insertionSort(members)
        } else {
          members.sort()
        }
        var first = 0
        for t in 0..<count {
          sa[start + t] = UInt32(truncatingIfNeeded: keys[t])
          if t + 1 == count || keys[t + 1] >> 32 != keys[t] >> 32 {
            let rank = UInt32(start + first)
            for u in first...t { v[Int(UInt32(truncatingIfNeeded: keys[u]))] = rank }
            if t > first {
              next.append(Group(start: rank, count: UInt32(t + 1 - first)))
              nextMass += t + 1 - first
            }
            first = t + 1
          }
        }
      }
      if nextMass * 2 > m && nextMass * 2 > mass { return false }
      current = next
      mass = nextMass
      h *= 2
    }
    return true
  }

  private static func insertionSort(_ values: UnsafeMutableBufferPointer<UInt64>) {
    for t in values.indices.dropFirst() {
      let value = values[t]
      var u = t
      while u > 0 && values[u - 1] > value {
        values[u] = values[u - 1]
        u -= 1
      }
      values[u] = value
    }
  }

  /// Replaces the symbols of `v[0..<m]`, all below `m`, by their ranks among the distinct ones;
  /// returns how many there are.
  private static func renameDensely(_ v: UnsafeMutablePointer<UInt32>, count m: Int) -> Int {
    let wordCount = (m + 63) / 64
    let present = UnsafeMutablePointer<UInt64>.allocate(capacity: wordCount)
    defer { present.deallocate() }
    present.initialize(repeating: 0, count: wordCount)
    for i in 0..<m {
      let value = Int(v[i])
      present[value >> 6] |= 1 << UInt64(value & 63)
    }
    let before = UnsafeMutablePointer<UInt32>.allocate(capacity: wordCount)
    defer { before.deallocate() }
    var total: UInt32 = 0
    for w in 0..<wordCount {
      before[w] = total
      total &+= UInt32(present[w].nonzeroBitCount)
    }
    for i in 0..<m {
      let value = Int(v[i])
      let below = present[value >> 6] & ((1 << UInt64(value & 63)) &- 1)
      v[i] = before[value >> 6] &+ UInt32(below.nonzeroBitCount)
    }
    return Int(total)
  }

  /// The two induced passes: L-type suffixes left to right from the bucket starts, then S-type
  /// suffixes right to left from the bucket ends. With `markingLMS`, the LMS suffixes keep the
  /// mark in their entries afterwards.
  @inline(__always)
  private static func induce(
    _ s: UnsafePointer<UInt32>, count n: Int, buckets: borrowing Buckets,
    into sa: UnsafeMutablePointer<UInt32>, markingLMS: Bool
  ) {
    let cursor = buckets.cursor
    buckets.resetToStarts()
    // The virtual end-of-text suffix sorts first; the suffix before it, the last one, is L.
    let last = Int(s[n - 1])
    sa[Int(cursor[last])] = UInt32(n - 1)
    cursor[last] += 1
    // Entries here are LMS seeds (whose predecessor is L-type with a larger symbol) and L-type
    // suffixes (whose predecessor is L-type when its symbol is not smaller).
    for k in 0..<n {
      if k + prefetchDistance < n {
        let ahead = sa[k + prefetchDistance]
        if ahead != empty, ahead > 0 { ol_prefetch(s + Int(ahead) - 1) }
      }
      let j = sa[k]
      guard j != empty, j > 0 else { continue }
      let p = Int(j) - 1
      let c = s[p]
      if c >= s[p + 1] {
        let target = Int(cursor[Int(c)])
        sa[target] = UInt32(p)
        cursor[Int(c)] = UInt32(target + 1)
      }
    }
    buckets.resetToEnds()
    // Every S-type entry met here was placed by this pass, with the mark; L-type ones were not.
    // An S-type suffix is LMS when the symbol before it is larger.
    var k = n - 1
    while k >= 0 {
      if k >= prefetchDistance {
        let ahead = sa[k - prefetchDistance]
        if ahead != empty { ol_prefetch(s + Int(ahead & ~mark) - 1) }
      }
      let entry = sa[k]
      if entry != empty {
        let j = entry & ~mark
        var kept = j
        if j > 0 {
          let p = Int(j) - 1
          let c = s[p]
          let d = s[p + 1]
          if c < d || (c == d && entry & mark != 0) {
            let target = Int(cursor[Int(c)]) - 1
            cursor[Int(c)] = UInt32(target)
            sa[target] = UInt32(p) | mark
          }
          if markingLMS && c > d && entry & mark != 0 { kept = entry }
        }
        sa[k] = kept
      }
      k -= 1
    }
  }
}
