import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct SuffixArrayTests {
  /// The suffix array by comparing whole suffixes; a suffix that is a prefix of another sorts
  /// first.
  private func naive(_ text: [UInt32]) -> [UInt32] {
    (0..<text.count).sorted { a, b in
      var i = a
      var j = b
      while i < text.count && j < text.count {
        if text[i] != text[j] { return text[i] < text[j] }
        i += 1
        j += 1
      }
      return i == text.count && j < text.count
    }.map { UInt32($0) }
  }

  private func check(
    _ text: [UInt32], alphabet: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    let built = SuffixArray.build(text, alphabetSize: alphabet)
    #expect(built == naive(text), "text \(text)", sourceLocation: sourceLocation)
  }

  @Test func emptyAndSingleSymbolTexts() {
    check([], alphabet: 1)
    check([0], alphabet: 1)
    check([5], alphabet: 6)
    check([0, 0], alphabet: 1)
    check([1, 0], alphabet: 2)
    check([0, 1], alphabet: 2)
  }

  @Test func randomTextsOverSmallAndLargeAlphabets() {
    var random = SplitMix64(seed: 7)
    for alphabet in [1, 2, 3, 4, 7, 256, 5000] {
      for _ in 0..<150 {
        let length = Int.random(in: 0...200, using: &random)
        let text = (0..<length).map { _ in UInt32.random(in: 0..<UInt32(alphabet), using: &random) }
        check(text, alphabet: alphabet)
      }
    }
  }

  @Test func repetitiveTexts() {
    for length in [1, 2, 3, 17, 64, 257] {
      check([UInt32](repeating: 3, count: length), alphabet: 4)
      check((0..<length).map { UInt32($0 % 2) }, alphabet: 2)
      check((0..<length).map { UInt32($0 % 3 == 2 ? 1 : 0) }, alphabet: 2)
      check((0..<length).map { UInt32(2 - $0 % 3) }, alphabet: 3)
    }
    // Fibonacci words have many long repeats, which drive the recursion deep.
    var a: [UInt32] = [0]
    var b: [UInt32] = [0, 1]
    while b.count < 3000 {
      (a, b) = (b, b + a)
    }
    check(b, alphabet: 2)
    // Runs of runs, and records ending with a separator as segments write them.
    var runs = [UInt32]()
    for run in 1...40 { runs += [UInt32](repeating: UInt32(run % 5), count: run) }
    check(runs, alphabet: 5)
    var records = [UInt32]()
    for record in 0..<60 { records += (0..<(record % 9)).map { UInt32(1 + $0 % 3) } + [0] }
    check(records, alphabet: 4)
  }

  /// Records of Zipf-like words, some repeated whole, as a segment lays them out: the reduced
  /// problem has groups of equal LMS substrings that prefix doubling sorts over several rounds,
  /// and, where repeats are long, gives up on for SA-IS's recursion.
  @Test func recordsWithRepeatsMatchTheNaiveSort() {
    var random = SplitMix64(seed: 13)
    for trial in 0..<120 {
      var records: [[UInt32]] = []
      var text: [UInt32] = []
      for _ in 0..<Int.random(in: 1...30, using: &random) {
        if !records.isEmpty && Int.random(in: 0..<3, using: &random) == 0 {
          text += records.randomElement(using: &random)! + [0]
          continue
        }
        let length = Int.random(in: 0..<(trial % 4 == 0 ? 300 : 60), using: &random)
        let record = (0..<length).map { _ in
          UInt32(
            1 + min(Int.random(in: 0..<50, using: &random), Int.random(in: 0..<50, using: &random)))
        }
        records.append(record)
        text += record + [0]
      }
      check(text, alphabet: 51)
    }
  }

  @Test func largerRandomTextMatchesTheNaiveSort() {
    var random = SplitMix64(seed: 11)
    let text = (0..<20_000).map { _ in UInt32.random(in: 0..<3, using: &random) }
    check(text, alphabet: 3)
    // Symbols above the alphabet's used range leave empty buckets, which must not matter.
    let sparse = (0..<5_000).map { _ in UInt32.random(in: 0..<4, using: &random) * 1000 }
    check(sparse, alphabet: 4000)
  }
}
