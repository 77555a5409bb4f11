import ArgumentParser
import Foundation
import OpenLedgerKit

/// Times the suffix sorting alone on a segment's token array: the part of a build that
/// infini-gram's indexer also does, without tokenizing.
struct Sort: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time SA-IS on a segment's token array (median CPU seconds of several runs).")

  @Argument(help: "A segment directory.")
  var segment: String

  @Option(help: "How many runs.")
  var repeats = 3

  func run() throws {
    let index = try IndexSegment(directory: segment)
    let unpacked = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: index.positionCount)
    defer { unpacked.deallocate() }
    for position in unpacked.indices { unpacked[position] = index.token(at: position) }
    let text = UnsafeBufferPointer(unpacked)
    let out = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: text.count)
    defer { out.deallocate() }
    var cpu = [Double]()
    var wall = [Double]()
    let clock = ContinuousClock()
    for _ in 0..<repeats {
      let start = threadCPUSeconds()
      let began = clock.now
      SuffixArray.build(text: text, alphabetSize: index.manifest.vocabulary + 1, into: out)
      cpu.append(threadCPUSeconds() - start)
      wall.append((clock.now - began).seconds)
    }
    cpu.sort()
    wall.sort()
    let result: [String: Any] = [
      "positions": text.count, "cpu_seconds_median": cpu[cpu.count / 2],
      "wall_seconds_median": wall[wall.count / 2],
      "cpu_tokens_per_second": Double(index.tokenCount) / cpu[cpu.count / 2],
    ]
    print(try jsonLine(result))
  }
}
