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
/// reading the stream goes on meanwhile. The bytes are not copied: the caller keeps each part
/// unchanged until `wait` (or `finalize`) returns.
final class BackgroundDigest {
  private let queue = DispatchQueue(label: "openledger.input-digest")
  private let state = State()

  /// The hasher, touched only on `queue`.
  private final class State: @unchecked Sendable {
    var hasher = SHA256()
  }

  deinit {
    // Bytes still queued must be read before their owner may change them.
    queue.sync {}
  }

  /// Hashes `bytes` on the queue, after the parts before; they must stay as they are until
  /// `wait` returns.
  func update(borrowing bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    let (state, handed) = (self.state, UnsafeSendable(bytes))
    queue.async { state.hasher.update(bufferPointer: handed.value) }
  }

  /// Returns once every part passed to `update` is hashed.
  func wait() {
    queue.sync {}
  }

  /// The digest of every byte passed to `update`.
  func finalize() -> Digest {
    let state = self.state
    return queue.sync { Digest(bytes: state.hasher.finalize()) }
  }
}
