import CPrefetch
import Foundation

/// Suffix arrays by induced sorting (SA-IS, Nong, Zhang and Chan, 2009) over an integer alphabet.
///
/// The suffixes of a text `s[0..<n]` are sorted as sequences of unsigned integers, a suffix that
/// is a prefix of another sorting first (as if the text ended with a unique smallest symbol). The
/// algorithm runs in linear time: it sorts the "LMS substrings" by two induced passes, names them,
/// recurses on the string of names when two names coincide, and induces the whole order from the
/// sorted LMS suffixes.
///
/// Memory beyond the text and the output: a bit per position for the suffix types, three bucket
/// arrays of the alphabet's size, and the same again for the reduced problem, which lives in the
/// output array itself (at most half its length), as the original paper arranges it.
///
/// The induced passes read no type bits, which would cost a cache miss per suffix: in the
/// L pass, the suffix before `j` is L-type exactly when `s[j-1] >= s[j]`; in the S pass, each
/// S-type suffix carries a mark in its entry's top bit from the moment it is placed, which is
/// cleared as the scan passes it. LMS substrings are named by comparing their lengths and
/// symbols, again without type bits (as in Yuta Mori's sais).
public enum SuffixArray {
  /// The marker of an empty slot; positions are always smaller.
  private static let empty = UInt32.max
  /// The top bit of an entry, set on S-type suffixes during the S pass.
  private static let mark: UInt32 = 1 << 31

  /// How many entries ahead of the scan the induced passes prefetch the text.
  private static let prefetchDistance = 32

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

    init(count: Int) {
      let wordCount = max((count + 63) / 64, 1)
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

    /// Whether the suffix at `i` is leftmost-S: S-type with an L-type suffix before it.
    @inline(__always)
    func isLMS(_ i: Int) -> Bool {
      i > 0 && isS(i) && !isS(i - 1)
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
    for i in 1..<n where types.isLMS(i) {
      let c = Int(s[i])
      buckets.cursor[c] -= 1
      sa[Int(buckets.cursor[c])] = UInt32(i)
    }
    induce(s, count: n, buckets: buckets, into: sa)

    // Move the sorted LMS positions to the front.
    var lmsCount = 0
    for k in 0..<n {
      let j = sa[k]
      if j != empty, types.isLMS(Int(j)) {
        sa[lmsCount] = j
        lmsCount += 1
      }
    }

    // The length of each LMS substring (to the next LMS position, inclusive), stored at
    // lmsCount + position / 2: LMS positions are two or more apart, so these never collide.
    (sa + lmsCount).update(repeating: empty, count: n - lmsCount)
    var next = n
    var position = n - 1
    while position >= 1 {
      if types.isLMS(position) {
        sa[lmsCount + position / 2] = UInt32(next - position + 1)
        next = position
      }
      position -= 1
    }
    // Name the LMS substrings in sorted order, equal ones alike. Equal lengths and symbols
    // mean equal types too, both ending on an S-type symbol; the one that reaches the end of the
    // text is unique.
    var nameCount = 0
    var previous = -1
    var previousLength = 0
    for k in 0..<lmsCount {
      let position = Int(sa[k])
      let length = Int(sa[lmsCount + position / 2])
      var equal =
        previous >= 0 && length == previousLength && position + length <= n
        && previous + length <= n
      if equal {
        equal = memcmp(s + previous, s + position, length * 4) == 0
      }
      if !equal { nameCount += 1 }
      sa[lmsCount + position / 2] = UInt32(nameCount - 1)
      previous = position
      previousLength = length
    }
    // Gather the names, in text order, at the end of the array: the reduced string.
    var write = n - 1
    var k = n - 1
    while k >= lmsCount {
      if sa[k] != empty {
        sa[write] = sa[k]
        write -= 1
      }
      k -= 1
    }
    let reduced = sa + (n - lmsCount)

    // Stage 2: sort the LMS suffixes by sorting the reduced string.
    if nameCount < lmsCount {
      sort(reduced, count: lmsCount, alphabetSize: nameCount, into: sa)
    } else {
      for k in 0..<lmsCount { sa[Int(reduced[k])] = UInt32(k) }
    }

    // Stage 3: place the sorted LMS suffixes at their bucket ends and induce the rest.
    var j = 0
    for i in 1..<n where types.isLMS(i) {
      reduced[j] = UInt32(i)
      j += 1
    }
    for k in 0..<lmsCount { sa[k] = reduced[Int(sa[k])] }
    (sa + lmsCount).update(repeating: empty, count: n - lmsCount)
    buckets.resetToEnds()
    var m = lmsCount - 1
    while m >= 0 {
      let position = sa[m]
      sa[m] = empty
      let c = Int(s[Int(position)])
      buckets.cursor[c] -= 1
      sa[Int(buckets.cursor[c])] = position
      m -= 1
    }
    induce(s, count: n, buckets: buckets, into: sa)
  }

  /// The two induced passes: L-type suffixes left to right from the bucket starts, then S-type
  /// suffixes right to left from the bucket ends.
  @inline(__always)
  private static func induce(
    _ s: UnsafePointer<UInt32>, count n: Int, buckets: borrowing Buckets,
    into sa: UnsafeMutablePointer<UInt32>
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
    var k = n - 1
    while k >= 0 {
      if k >= prefetchDistance {
        let ahead = sa[k - prefetchDistance]
        if ahead != empty { ol_prefetch(s + Int(ahead & ~mark) - 1) }
      }
      let entry = sa[k]
      if entry != empty {
        let j = entry & ~mark
        sa[k] = j
        if j > 0 {
          let p = Int(j) - 1
          let c = s[p]
          let d = s[p + 1]
          if c < d || (c == d && entry & mark != 0) {
            let target = Int(cursor[Int(c)]) - 1
            cursor[Int(c)] = UInt32(target)
            sa[target] = UInt32(p) | mark
          }
        }
      }
      k -= 1
    }
  }
}
