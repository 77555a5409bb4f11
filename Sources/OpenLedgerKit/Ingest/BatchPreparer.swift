import Foundation

/// A batch handed to the worker threads, and, once they are done, what they made of it.
final class PreparedBatch {
  let batch: RecordBatch
  /// The records each worker prepares: worker `w` has `chunk` of them from `w * chunk` on.
  let chunk: Int
  private let workers: UnsafeMutableBufferPointer<IngestWorker>
  /// The preparer whose workers these are, kept as long as their results are read.
  private let owner: BatchPreparer
  fileprivate let group = DispatchGroup()

  fileprivate init(
    batch: RecordBatch, workers: UnsafeMutableBufferPointer<IngestWorker>, owner: BatchPreparer
  ) {
    self.batch = batch
    self.workers = workers
    self.owner = owner
    chunk = max(1, (batch.records.count + workers.count - 1) / workers.count)
  }

  /// The workers, after waiting until each is done with the batch: their results, in the
  /// order of the batch's records, worker by worker.
  func results() -> UnsafeMutableBufferPointer<IngestWorker> {
    group.wait()
    return workers
  }
}

/// The third stage of ingestion: prepares each batch on worker threads (one per core), which
/// canonicalize, hash and fingerprint its records (`IngestWorker`), while the calling thread
/// goes on reading and deciding.
///
/// There are two sets of workers, taken in turn, so that one batch is prepared while the
/// results of the one before are decided. The results of a batch are therefore kept until the
/// batch after next is started: by then its caller must be done with them.
final class BatchPreparer {
  private let workerSets: [UnsafeMutableBufferPointer<IngestWorker>]
  private var nextSet = 0
  /// The work on the last batch started on each set, which may not be done yet.
  private var started: [DispatchGroup?] = [nil, nil]

  /// Prepares records by `schema`, with `workers` threads at a time.
  init(schema: DatanetSchema, workers: Int) {
    workerSets = (0..<2).map { _ in
      let set = UnsafeMutableBufferPointer<IngestWorker>.allocate(capacity: max(1, workers))
      _ = set.initialize(from: (0..<max(1, workers)).map { _ in IngestWorker(schema: schema) })
      return set
    }
  }

  deinit {
    waitForAll()
    for set in workerSets {
      set.deinitialize()
      set.deallocate()
    }
  }

  /// Starts preparing `batch` on the worker threads.
  func start(_ batch: RecordBatch) -> PreparedBatch {
    let workers = workerSets[nextSet]
    let prepared = PreparedBatch(batch: batch, workers: workers, owner: self)
    started[nextSet] = prepared.group
    nextSet = 1 - nextSet
    let count = batch.records.count
    let chunk = prepared.chunk
    let pool = UncheckedSendable(workers.baseAddress)
    for worker in 0..<workers.count {
      let start = min(count, worker * chunk)
      let end = min(count, start + chunk)
      DispatchQueue.global().async(group: prepared.group) {
        pool.value![worker].run(
          buffer: batch.bytes, records: batch.records[start..<end], header: batch.header)
      }
    }
    return prepared
  }

  /// Returns once no worker reads a batch any more: a batch may still be in work after an
  /// error, and its bytes and workers must outlive it.
  func waitForAll() {
    for group in started { group?.wait() }
  }
}
