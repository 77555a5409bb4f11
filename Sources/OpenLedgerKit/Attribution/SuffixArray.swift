/// Suffix arrays by induced sorting (SA-IS, Nong, Zhang and Chan, 2009) over an integer alphabet.
///
/// The suffixes of a text `s[0..<n]` are sorted as sequences of unsigned integers, a suffix that
/// is a prefix of another sorting first (as if the text ended with a unique smallest symbol). The
/// algorithm runs in linear time: it sorts the "LMS substrings" by two induced passes, names them,
/// recurses on the string of names when two names coincide, and induces the whole order from the
/// sorted LMS suffixes.
///
/// Memory beyond the text and the output: a bit per position for the suffix types, two bucket
/// arrays of the alphabet's size, and the same again for the reduced problem, which lives in the
/// output array itself (at most half its length), as the original paper arranges it.
enum SuffixArray {
  /// The marker of an empty slot; positions are always smaller.
  private static let empty = UInt32.max

  /// Sorts the suffixes of `text`, whose symbols are all below `alphabetSize`, into `suffixes`,
  /// which must have the same count. Fewer than `UInt32.max` symbols.
  static func build(
    text: UnsafeBufferPointer<UInt32>, alphabetSize: Int,
    into suffixes: UnsafeMutableBufferPointer<UInt32>
  ) {
    precondition(text.count == suffixes.count, "the suffix array has one entry per symbol")
    precondition(text.count < Int(UInt32.max), "a text has fewer than 2^32 - 1 symbols")
    guard let textBase = text.baseAddress, let base = suffixes.baseAddress else { return }
    sort(textBase, count: text.count, alphabetSize: max(alphabetSize, 1), into: base)
  }

  /// The suffix array of `text`, for tests and small inputs.
  static func build(_ text: [UInt32], alphabetSize: Int) -> [UInt32] {
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
      let wordCount = (count + 63) / 64
      words = .allocate(capacity: max(wordCount, 1))
      words.initialize(repeating: 0, count: max(wordCount, 1))
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
    let starts: UnsafeMutablePointer<Int>
    let ends: UnsafeMutablePointer<Int>
    /// The bucket pointers being moved by a pass.
    let cursor: UnsafeMutablePointer<Int>
    let count: Int

    init(_ s: UnsafePointer<UInt32>, count n: Int, alphabetSize: Int) {
      count = alphabetSize
      starts = .allocate(capacity: alphabetSize)
      ends = .allocate(capacity: alphabetSize)
      cursor = .allocate(capacity: alphabetSize)
      ends.initialize(repeating: 0, count: alphabetSize)
      for i in 0..<n { ends[Int(s[i])] += 1 }
      var total = 0
      for c in 0..<alphabetSize {
        starts[c] = total
        total += ends[c]
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
      sa[buckets.cursor[c]] = UInt32(i)
    }
    induce(s, count: n, types: types, buckets: buckets, into: sa)

    // Move the sorted LMS positions to the front.
    var lmsCount = 0
    for k in 0..<n {
      let j = sa[k]
      if j != empty, types.isLMS(Int(j)) {
        sa[lmsCount] = j
        lmsCount += 1
      }
    }

    // Name the LMS substrings in sorted order, equal substrings alike; names are stored at
    // lmsCount + position / 2, which never collide because LMS positions are two or more apart.
    (sa + lmsCount).update(repeating: empty, count: n - lmsCount)
    var nameCount = 0
    var previous = -1
    for k in 0..<lmsCount {
      let position = Int(sa[k])
      if previous < 0 || !equalLMSSubstrings(s, count: n, types: types, previous, position) {
        nameCount += 1
      }
      sa[lmsCount + position / 2] = UInt32(nameCount - 1)
      previous = position
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
      sa[buckets.cursor[c]] = position
      m -= 1
    }
    induce(s, count: n, types: types, buckets: buckets, into: sa)
  }

  /// The two induced passes: L-type suffixes left to right from the bucket starts, then S-type
  /// suffixes right to left from the bucket ends.
  @inline(__always)
  private static func induce(
    _ s: UnsafePointer<UInt32>, count n: Int, types: borrowing Types, buckets: borrowing Buckets,
    into sa: UnsafeMutablePointer<UInt32>
  ) {
    let cursor = buckets.cursor
    buckets.resetToStarts()
    // The virtual end-of-text suffix sorts first; the suffix before it, the last one, is L.
    let last = Int(s[n - 1])
    sa[cursor[last]] = UInt32(n - 1)
    cursor[last] += 1
    for k in 0..<n {
      let j = sa[k]
      guard j != empty, j > 0 else { continue }
      let p = Int(j) - 1
      if !types.isS(p) {
        let c = Int(s[p])
        sa[cursor[c]] = UInt32(p)
        cursor[c] += 1
      }
    }
    buckets.resetToEnds()
    var k = n - 1
    while k >= 0 {
      let j = sa[k]
      if j != empty, j > 0 {
        let p = Int(j) - 1
        if types.isS(p) {
          let c = Int(s[p])
          cursor[c] -= 1
          sa[cursor[c]] = UInt32(p)
        }
      }
      k -= 1
    }
  }

  /// Whether the LMS substrings at `a` and `b` (each running to the next LMS position, inclusive)
  /// are equal in symbols and types. The one that reaches the end of the text is unique.
  private static func equalLMSSubstrings(
    _ s: UnsafePointer<UInt32>, count n: Int, types: borrowing Types, _ a: Int, _ b: Int
  ) -> Bool {
    var d = 0
    while true {
      let x = a + d
      let y = b + d
      if x == n || y == n { return false }
      if s[x] != s[y] || types.isS(x) != types.isS(y) { return false }
      if d > 0 {
        let endX = types.isLMS(x)
        let endY = types.isLMS(y)
        if endX || endY { return endX && endY }
      }
      d += 1
    }
  }
}
