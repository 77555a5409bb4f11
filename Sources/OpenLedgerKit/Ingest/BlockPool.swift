import Crypto
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

/// The SHA-256 of a stream of bytes, computed on a serial queue of its own so that the thread
/// reading the stream goes on meanwhile. `update` copies the bytes; `finalize` waits.
final class BackgroundDigest {
  private let queue = DispatchQueue(label: "openledger.input-digest")
  private let pool = BlockPool(blockSize: 1 << 20, count: 16)
  private let state = State()

  /// The hasher, touched only on `queue`.
  private final class State: @unchecked Sendable {
    var hasher = SHA256()
  }

  deinit {
    // Blocks still queued must come back to the pool before it goes.
    queue.sync {}
  }

  func update(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
      let block = pool.take()
      let count = min(block.count, bytes.count - offset)
      block.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
      offset += count
      let handed = UnsafeSendable((block: block, count: count))
      let (pool, state) = (self.pool, self.state)
      queue.async {
        state.hasher.update(
          bufferPointer: UnsafeRawBufferPointer(
            rebasing: handed.value.block[0..<handed.value.count]))
        pool.give(handed.value.block)
      }
    }
  }

  /// The digest of every byte passed to `update`.
  func finalize() -> Digest {
    let state = self.state
    return queue.sync { Digest(bytes: state.hasher.finalize()) }
  }
}
