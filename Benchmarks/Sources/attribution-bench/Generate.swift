import ArgumentParser
import Foundation
import OpenLedgerKit

/// Writes English-like text, the same bytes on every run: a corpus of documents separated by
/// blank lines, and outputs (an inference log) that copy runs from the corpus into new text.
///
/// Words come from a fixed list of common English words followed by synthetic words built from
/// syllables, drawn with Zipfian frequencies (the word of rank r has weight 1/r), as
/// `generate.py` does for the fingerprint benchmark; sentences have 6 to 28 words, commas now and
/// then, and a full stop; documents 80 to 700 words.
struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a benchmark corpus and outputs that reuse parts of it.")

  @Option(help: "Where to write the corpus.")
  var corpus: String

  @Option(help: "Corpus size in megabytes.")
  var megabytes: Double

  @Option(help: "Words in the vocabulary the text is drawn from.")
  var vocabulary = 40_000

  @Option(help: "Where to write the outputs, as an inference log (JSONL).")
  var outputs: String?

  @Option(help: "How many outputs.")
  var outputCount = 200

  @Option(help: "Words per output.")
  var outputWords = 200

  @Option(help: "The random seed.")
  var seed: UInt64 = 20_251_125

  func run() throws {
    var writer = TextWriter(vocabulary: vocabulary, seed: seed)
    let limit = Int(megabytes * 1_000_000)
    guard let out = FileHandle(forWritingAtPath: corpus) ?? create(corpus) else {
      throw ValidationError("cannot write \(corpus)")
    }
    var written = 0
    var buffer = [UInt8]()
    var documents = 0
    while written < limit {
      let document = writer.document(words: writer.integer(in: 80...700))
      buffer += document
      buffer += [0x0a, 0x0a]
      written += document.count + 2
      documents += 1
      if buffer.count > 8 << 20 {
        out.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
      }
    }
    out.write(Data(buffer))
    try out.close()
    note("corpus: \(documents) documents, \(written) bytes")
    guard let outputs else { return }
    try writeOutputs(to: outputs, corpus: try Corpus(path: corpus), writer: &writer)
  }

  private func create(_ path: String) -> FileHandle? {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    return FileHandle(forWritingAtPath: path)
  }

  /// Outputs of about `outputWords` words: new sentences with one to three runs of 12 to 40
  /// words copied from random corpus documents.
  private func writeOutputs(to path: String, corpus: Corpus, writer: inout TextWriter) throws {
    var lines = [UInt8]()
    for index in 0..<outputCount {
      var words = [String]()
      let copies = writer.integer(in: 1...3)
      var copied = 0
      while words.count < outputWords {
        if copied < copies && writer.integer(in: 0...2) == 0 {
          let document = String(
            decoding: corpus.document(writer.integer(in: 0...(corpus.documents.count - 1))),
            as: UTF8.self
          ).split(separator: " ")
          let length = min(writer.integer(in: 12...40), document.count)
          let start = writer.integer(in: 0...(document.count - length))
          words += document[start..<(start + length)].map(String.init)
          copied += 1
        } else {
          words += String(decoding: writer.sentence(), as: UTF8.self).split(separator: " ").map(
            String.init)
        }
      }
      let output = words.prefix(outputWords).joined(separator: " ")
      let line: [String: Any] = ["id": "o\(index)", "output": output, "fee": "1000000"]
      lines += try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
      lines.append(0x0a)
    }
    try Data(lines).write(to: URL(fileURLWithPath: path))
  }
}

/// Draws Zipfian words and assembles sentences and documents.
struct TextWriter {
  private static let common = """
    the of and to a in is it you that he was for on are with as i his they be at one have this \
    from or had by hot word but what some we can out other were all there when up use your how \
    said an each she which do their time if will way about many then them write would like so \
    these her long make thing see him two has look more day could go come did number sound no \
    most people my over know water than call first who may down side been now find any new work \
    part take get place made live where after back little only round man year came show every \
    good me give our under name very through just form sentence great think say help low line \
    differ turn cause much mean before move right boy old too same tell does set three want air \
    well also play small end put home read hand port large spell add even land here must big
    """.split(separator: " ").map(String.init)
  private static let onsets = [
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br",
    "ch", "cl", "cr", "dr", "fl", "gr", "pl", "pr", "sh", "st", "str", "th", "tr", "",
  ]
  private static let vowels = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "io", "y"]
  private static let codas = [
    "", "", "", "", "n", "r", "s", "t", "l", "nd", "st", "ng", "ck", "m", "rt", "ss",
  ]

  private var random: SplitMix64
  private let words: [[UInt8]]
  private let cumulative: [Double]

  init(vocabulary size: Int, seed: UInt64) {
    random = SplitMix64(seed: seed)
    var words = [String]()
    var seen = Set<String>()
    for word in Self.common where seen.insert(word).inserted { words.append(word) }
    while words.count < size {
      let syllables = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4].randomElement(using: &random)!
      var word = ""
      for _ in 0..<syllables {
        word += Self.onsets.randomElement(using: &random)!
        word += Self.vowels.randomElement(using: &random)!
        word += Self.codas.randomElement(using: &random)!
      }
      if seen.insert(word).inserted { words.append(word) }
    }
    self.words = words.map { Array($0.utf8) }
    var total = 0.0
    cumulative = (1...size).map { rank in
      total += 1 / Double(rank)
      return total
    }
  }

  mutating func integer(in range: ClosedRange<Int>) -> Int {
    Int.random(in: range, using: &random)
  }

  private mutating func word() -> [UInt8] {
    let target = Double.random(in: 0..<cumulative[cumulative.count - 1], using: &random)
    var low = 0
    var high = cumulative.count - 1
    while low < high {
      let middle = (low + high) / 2
      if cumulative[middle] <= target { low = middle + 1 } else { high = middle }
    }
    return words[low]
  }

  mutating func sentence() -> [UInt8] {
    let count = integer(in: 6...28)
    var out = [UInt8]()
    for index in 0..<count {
      var word = word()
      if index == 0, let first = word.first, first >= 0x61, first <= 0x7a { word[0] = first - 32 }
      if index > 0 { out.append(0x20) }
      out += word
      if index >= 2, index < count - 2, Double.random(in: 0..<1, using: &random) < 0.06 {
        out.append(0x2c)
      }
    }
    out.append(0x2e)
    return out
  }

  mutating func document(words minimum: Int) -> [UInt8] {
    var out = [UInt8]()
    var count = 0
    while count < minimum {
      let sentence = sentence()
      if !out.isEmpty { out.append(0x20) }
      out += sentence
      count += sentence.reduce(1) { $0 + ($1 == 0x20 ? 1 : 0) }
    }
    return out
  }
}
