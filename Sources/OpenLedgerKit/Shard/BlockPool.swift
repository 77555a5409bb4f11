import Foundation

/// Byte blocks of one size, reused between a thread that fills them and a serial queue that
/// consumes them: `take` waits while every block is out. Reusing them spares the kernel from
/// handing out and zeroing fresh pages for every block. Blocks are page-aligned, so a full one
/// can be written around the kernel's file cache as it is (`StagedFile.writeAroundCache`).
final class BlockPool: @unchecked Sendable {
  let blockSize: Int
  private let room: DispatchSemaphore
  private let lock = NSLock()
  private var free: [UnsafeMutableRawBufferPointer] = []

  init(blockSize: Int, count: Int) {
    self.blockSize = blockSize
    room = DispatchSemaphore(value: count)
  }

  /// Every block must have been given back: libdispatch traps when a semaphore goes with less
  /// than it started with.
  deinit {
    for block in free { block.deallocate() }
  }

  /// A block, waiting for one to come back when all are out.
  func take() -> UnsafeMutableRawBufferPointer {
    room.wait()
    return lock.withLock { free.popLast() }
      ?? UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 4096)
  }

  /// Returns a block taken from this pool.
  func give(_ block: UnsafeMutableRawBufferPointer) {
    lock.withLock { free.append(block) }
    room.signal()
  }
}
