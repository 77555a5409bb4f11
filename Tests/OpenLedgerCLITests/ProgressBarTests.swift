import Foundation
import OpenLedgerKit
import Testing

@testable import OpenLedgerCLI

/// The line a push, pull or clone draws on a terminal.
@Suite struct ProgressBarTests {
  func progress(files: Int, of totalFiles: Int, bytes: Int, of totalBytes: Int)
    -> TransferProgress
  {
    var progress = TransferProgress()
    (progress.files, progress.totalFiles) = (files, totalFiles)
    (progress.bytes, progress.totalBytes) = (bytes, totalBytes)
    return progress
  }

  @Test func aTransferOfKnownSizeIsABarWithTheTimeLeft() {
    let text = ProgressBar.transferText(
      progress(files: 4, of: 16, bytes: 250_000_000, of: 1_000_000_000), elapsed: 2,
      label: "clone", unit: "files")
    #expect(text.hasPrefix("clone [█████···············]  25%"))
    #expect(text.contains("4/16 files"))
    #expect(text.hasSuffix(", 6 s left"))
  }

  /// The first moments' rate says little: no time left before a second has passed.
  @Test func theTimeLeftWaitsForASecond() {
    let text = ProgressBar.transferText(
      progress(files: 1, of: 16, bytes: 1_000, of: 1_000_000_000), elapsed: 0.2,
      label: "push", unit: "files")
    #expect(!text.contains("left"))
  }

  /// Objects of unknown size (a pull's packs and manifests): counters, no total of 0 B.
  @Test func aTransferOfUnknownSizeIsCounters() {
    let text = ProgressBar.transferText(
      progress(files: 2, of: 4, bytes: 5_000_000, of: 0), elapsed: 1, label: "pull",
      unit: "files")
    #expect(!text.contains("/0 B"))
    #expect(text.hasPrefix("pull: 2/4 files, "))
  }
}
