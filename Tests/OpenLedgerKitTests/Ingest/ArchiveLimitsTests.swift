import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ArchiveLimitsTests {
  /// bomb.tar.zst holds one entry, zeros.bin: 1 GiB of zeros in 33 KB.
  let bombSize: Int64 = 1 << 30

  @Test func theDefaultsAreDocumented() {
    let limits = ArchiveLimits()
    #expect(limits.maxExpandedBytes == 8 << 30)
    #expect(limits.maxEntryBytes == 4 << 30)
    #expect(limits.maxEntries == 1_000_000)
    #expect(limits.maxRatio == 200)
    #expect(limits.ratioThresholdBytes == 1 << 20)
  }

  @Test func aBombStopsAtTheRatioAfterAFewMegabytes() throws {
    let reader = try ArchiveReader(path: archiveFixture("bomb.tar.zst"))
    let result = readAll(reader)
    guard
      case .limitExceeded(_, let position, let limit, _, let expanded, let compressed) =
        result.error
    else {
      Issue.record("expected a limit, got \(String(describing: result.error))")
      return
    }
    #expect(limit == .ratio)
    #expect(position == .entry("zeros.bin"))
    #expect(expanded == reader.expandedBytes)
    #expect(compressed == reader.compressedBytes)
    #expect(reader.expandedBytes > 1 << 20)
    #expect(reader.expandedBytes < 16 << 20, "read far less than the bomb's 1 GiB")
    let message = try #require(result.error).description
    #expect(message.contains(archiveFixture("bomb.tar.zst")))
    #expect(message.contains("'zeros.bin'"))
    #expect(message.contains("decompression bomb"))
    #expect(message.contains("--max-ratio"))
  }

  @Test func aBombStopsEvenWhenItsDataIsNeverRead() throws {
    let reader = try ArchiveReader(path: archiveFixture("bomb.tar.zst"))
    #expect(try reader.nextEntry()?.path == "zeros.bin")
    let error = #expect(throws: ArchiveError.self) { try reader.nextEntry() }
    guard case .limitExceeded(_, _, .ratio, _, _, _) = error else {
      Issue.record("expected the ratio limit, got \(String(describing: error))")
      return
    }
    #expect(reader.expandedBytes < 16 << 20)
  }

  @Test func aBombInDataLibarchiveSkipsByItselfIsStoppedToo() throws {
    // Each entry of hidden-bomb.tar.gz comes after 30 MiB of long-name headers that libarchive
    // reads internally; the entries' own data are 3 bytes each.
    let reader = try ArchiveReader(path: archiveFixture("hidden-bomb.tar.gz"))
    let result = readAll(reader)
    guard case .limitExceeded(_, _, let limit, _, let expanded, let compressed) = result.error
    else {
      Issue.record("expected a limit, got \(String(describing: result.error))")
      return
    }
    #expect(limit == .ratio)
    #expect(reader.expandedBytes < 10, "the entries' own data are tiny")
    #expect(expanded > 200 * compressed)
    #expect(expanded < 90 << 20, "stopped before the last headers")
    #expect(result.entries.allSatisfy { $0.bytes == Array("hi\n".utf8) })
  }

  @Test func theTotalSizeLimitStopsABombWhateverItsRatio() throws {
    let limits = ArchiveLimits(maxExpandedBytes: 40 << 20, maxRatio: 1_000_000)
    let reader = try ArchiveReader(path: archiveFixture("bomb.tar.zst"), limits: limits)
    let result = readAll(reader)
    guard case .limitExceeded(_, _, let limit, _, _, _) = result.error else {
      Issue.record("expected a limit, got \(String(describing: result.error))")
      return
    }
    #expect(limit == .expandedSize)
    #expect(reader.expandedBytes > 40 << 20)
    #expect(reader.expandedBytes <= (40 << 20) + 64 * 1024)
    #expect(try #require(result.error).description.contains("--max-expanded-size"))
  }

  @Test func anEntryDeclaringMoreThanTheEntryLimitIsRefusedBeforeReading() throws {
    let limits = ArchiveLimits(maxEntryBytes: 100 << 20)
    let reader = try ArchiveReader(path: archiveFixture("bomb.tar.zst"), limits: limits)
    let result = readAll(reader)
    #expect(
      result.error
        == .limitExceeded(
          archive: archiveFixture("bomb.tar.zst"), at: .entry("zeros.bin"), limit: .entrySize,
          limits: limits, expandedBytes: 0, compressedBytes: reader.compressedBytes))
    #expect(reader.expandedBytes == 0)
    #expect(try #require(result.error).description.contains("--max-entry-size"))
  }

  @Test func raisingTheRatioLetsAGenuineArchiveThrough() throws {
    // 3 MiB of zeros compress more than 200 times: refused by default, read once allowed.
    let refused = readFixture("zeros-3mib.tar.gz")
    guard case .limitExceeded(_, _, .ratio, _, _, _) = refused.error else {
      Issue.record("expected the ratio limit, got \(String(describing: refused.error))")
      return
    }
    let allowed = readFixture("zeros-3mib.tar.gz", limits: ArchiveLimits(maxRatio: 5_000))
    #expect(allowed.error == nil)
    #expect(allowed.paths == ["zeros.bin"])
    #expect(allowed.entries.first?.bytes.count == 3 << 20)
    #expect(allowed.entries.first?.bytes.allSatisfy { $0 == 0 } == true)
  }

  @Test func theEntryCountIsLimited() throws {
    // good.tar has 9 entries, folders included; the limit counts them all.
    let limits = ArchiveLimits(maxEntries: 3)
    let result = readFixture("good.tar", limits: limits)
    #expect(result.paths == ["corpus/README.txt", "corpus/empty.txt"])
    guard case .limitExceeded(_, let position, .entryCount, _, _, _) = result.error else {
      Issue.record("expected the entry count limit, got \(String(describing: result.error))")
      return
    }
    #expect(position == .after("corpus/empty.txt"))
    #expect(try #require(result.error).description.contains("--max-entries"))
    #expect(readFixture("good.tar", limits: ArchiveLimits(maxEntries: 9)).error == nil)
  }

  @Test func theSmallestLimitsStillReadWhatFits() throws {
    let total = Int64(corpus.map(\.text.utf8.count).reduce(0, +))
    let exact = ArchiveLimits(maxExpandedBytes: total, maxEntryBytes: 222)
    #expect(readFixture("good.zip", limits: exact).error == nil)
    let tooSmall = ArchiveLimits(maxExpandedBytes: total - 1)
    guard
      case .limitExceeded(_, _, .expandedSize, _, _, _) = readFixture(
        "good.zip", limits: tooSmall
      ).error
    else {
      Issue.record("expected the total size limit")
      return
    }
  }

  @Test func theRatioIsCheckedOnlyPastItsThreshold() {
    let limits = ArchiveLimits()
    #expect(limits.exceeded(expanded: 1 << 20, compressed: 1) == nil)
    #expect(limits.exceeded(expanded: (1 << 20) + 1, compressed: 1) == .ratio)
    #expect(limits.exceeded(expanded: 200 << 20, compressed: 1 << 20) == nil)
    #expect(limits.exceeded(expanded: (200 << 20) + 1, compressed: 1 << 20) == .ratio)
    #expect(limits.exceeded(expanded: (8 << 30) + 1, compressed: 8 << 30) == .expandedSize)
    #expect(ArchiveLimits(maxRatio: .max).exceeded(expanded: 2 << 20, compressed: 2) == nil)
  }
}
