extension Store {
  /// How old a staging file nobody holds must be before it counts as left behind: a writer
  /// takes its lock the moment it creates the file, so this only guards that moment.
  static let staleStagingAge = 60.0

  /// Staging files in `tmp/` that no live process holds: what a killed command left (a
  /// contribute killed midway can leave a shard of a hundred megabytes). Paths and sizes.
  public func staleStagingFiles() throws -> [(path: String, bytes: Int)] {
    var stale = [(path: String, bytes: Int)]()
    for name in try FileSystem.list(objects.staging) where name.hasPrefix("staged-") {
      let path = "\(objects.staging)/\(name)"
      guard let (bytes, age) = FileSystem.sizeAndAge(path), age >= Self.staleStagingAge,
        !FileSystem.isHeldByALiveProcess(path)
      else { continue }
      stale.append((path, bytes))
    }
    return stale
  }

  /// Undoes what killed writes left: stale staging files, and the objects of interrupted
  /// journals (`ObjectJournal`). Writes run this first, before they take the store lock.
  ///
  /// A staging file is private to its writer, so one nobody holds can go at any time. An
  /// object is not: a writer at work may have stored the same bytes and be about to reference
  /// them, so journals are undone only when no writer holds the store lock (the exclusive
  /// lock can be had at once); otherwise a later write, `gc` or `rebuild-catalog` does it.
  public func finishInterruptedWrites() throws {
    for file in try staleStagingFiles() { try FileSystem.remove(file.path) }
    guard let idle = try lockIfFree(.exclusive) else { return }
    try ObjectJournal.recover(in: self)
    withExtendedLifetime(idle) {}
  }

  /// The same, for a caller that holds the store lock exclusively already.
  func finishInterruptedWritesHoldingTheLock() throws {
    for file in try staleStagingFiles() { try FileSystem.remove(file.path) }
    try ObjectJournal.recover(in: self)
  }
}
