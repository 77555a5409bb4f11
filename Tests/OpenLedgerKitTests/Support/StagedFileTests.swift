import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct StagedFileTests {
  /// Writes `parts` around the cache (aligned or not, the last block padded, more writes after a
  /// padded one) and checks the committed file holds exactly their bytes.
  private func check(
    _ parts: [Int], in parent: String = NSTemporaryDirectory(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let directory = try TemporaryDirectory(in: parent)
    var random = SplitMix64(seed: UInt64(parts.count))
    var expected = [UInt8]()
    let file = try StagedFile(in: directory.path, mode: 0o444)
    file.writeAroundCache()
    for size in parts {
      let part = (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
      // From an odd address, as a slice of a larger buffer would be.
      let shifted = [0x55] + part
      try shifted.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[1...])) }
      expected += part
    }
    try file.commit(to: "\(directory.path)/out")
    let written = try FileSystem.read("\(directory.path)/out")
    #expect(Array(written) == expected, "parts \(parts)", sourceLocation: sourceLocation)
    #expect(try FileSystem.mode("\(directory.path)/out") == 0o444, sourceLocation: sourceLocation)
  }

  @Test func writesAroundTheCacheKeepEveryByte() throws {
    try check([])
    try check([0])
    try check([1])
    try check([4096])
    try check([4095])
    try check([4097, 0])
    try check([8192, 8192, 100])
    try check([100, 4096, 5000, 1])
    try check([(8 << 20) + 3, 4096])
  }

  /// Page-aligned memory (a pulled shard's body) goes to the disk without a copy but for its
  /// last part short of a block, which waits for the next write or the end; random bytes, so
  /// that a part taken from the wrong offset shows.
  @Test func alignedWritesOfAnySizeKeepEveryByte() throws {
    let directory = try TemporaryDirectory()
    let probe = try StagedFile(in: directory.path)
    probe.writeAroundCache()
    guard probe.isWritingAroundCache else { return }
    var random = SplitMix64(seed: 25)
    for parts in [
      [4097, 3], [(8 << 20) + 5, 4096, 10], [100, 8193], [12_288, 1], [4096, 4095],
      [4096, 8195, 1], [100, (8 << 20) - 100, 4097], [12_288, 5000],
    ] {
      let file = try StagedFile(in: directory.path)
      file.writeAroundCache()
      var expected = [UInt8]()
      for size in parts {
        let part = try #require(BodyBuffers.allocate(max(size, BodyBuffers.smallest)))
        defer { free(part.0) }
        #expect(Int(bitPattern: part.0) % DirectWrites.alignment == 0)
        let bytes = UnsafeMutableRawBufferPointer(start: part.0, count: size)
        for offset in 0..<size { bytes[offset] = UInt8.random(in: 0...255, using: &random) }
        try file.write(UnsafeRawBufferPointer(bytes))
        expected += bytes
      }
      #expect(file.isWritingAroundCache, "parts \(parts)")
      try file.commit(to: "\(directory.path)/out")
      #expect(Array(try FileSystem.read("\(directory.path)/out")) == expected, "parts \(parts)")
      try FileManager.default.removeItem(atPath: "\(directory.path)/out")
    }
  }

  /// Writes of any size leave direct writes on (they gather into whole blocks), where the file
  /// system takes them at all: a padded block goes to the disk only at the end.
  @Test func unalignedWritesStayAroundTheCache() throws {
    let directory = try TemporaryDirectory()
    let probe = try StagedFile(in: directory.path)
    probe.writeAroundCache()
    guard probe.isWritingAroundCache else { return }
    let file = try StagedFile(in: directory.path)
    file.writeAroundCache()
    var expected = [UInt8]()
    for size in [16, 100_000, 1, 4096, (8 << 20) - 7, 3 * 4096, 12_345] {
      let part = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) }
      try part.withUnsafeBytes { try file.write($0) }
      expected += part
      #expect(file.isWritingAroundCache, "after a write of \(size) bytes")
    }
    try file.commit(to: "\(directory.path)/out")
    #expect(Array(try FileSystem.read("\(directory.path)/out")) == expected)
  }

  /// Linux's shared-memory file system, tmpfs, where tests and stores often live: older kernels
  /// refuse O_DIRECT on it, newer ones accept it; either way the bytes must come out whole.
  static let tmpfs = "/dev/shm"
  static var hasTmpfs: Bool {
    guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
      return false
    }
    let mounted = mounts.split(separator: "\n").contains { line in
      let fields = line.split(separator: " ")
      return fields.count > 2 && fields[1] == tmpfs && fields[2] == "tmpfs"
    }
    return mounted && access(tmpfs, W_OK) == 0
  }

  @Test(.enabled(if: hasTmpfs, "needs a writable tmpfs at /dev/shm"))
  func writesAroundTheCacheOnTmpfsKeepEveryByte() throws {
    for parts in [[0], [1], [4095], [4097, 0], [100, 4096, 5000, 1], [(8 << 20) + 3, 4096]] {
      try check(parts, in: Self.tmpfs)
    }
  }
}
