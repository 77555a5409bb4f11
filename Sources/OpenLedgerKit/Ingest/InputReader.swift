import Foundation

/// An input as named on the command line.
public enum InputPath: Sendable, Equatable {
  case path(String)
  case standardInput
}

/// One stream of bytes that ingestion reads as a whole: a file, standard input, an archive's
/// entry, or a compressed file's content.
struct InputUnit {
  /// How reports name it: the path, `<stdin>`, or `archive:entry`.
  let name: String
  /// The file it is, or whose archive holds it, and the archive entry: what provenance keeps.
  let origin: (path: String, entry: String?)
  let source: ByteSource
}

/// The first stage of ingestion: turns the inputs named on the command line into the units
/// to read, in order. A file named is read whatever its name; a folder is walked depth first,
/// each folder's names sorted, and of its files only those `InputFilter` picks are read;
/// standard input and archives are told apart by their first bytes, and an archive gives one
/// unit per entry it holds. What a folder or archive holds but is not read is in `skipped`.
///
/// Units come one at a time because an archive's entries can only be read in turn: the
/// caller reads each unit to its end before asking for the next.
final class InputReader {
  private let format: RecordFormat
  private let limits: ArchiveLimits
  private let standardInput: Int32
  private var inputs: ArraySlice<InputPath>
  /// The folders being walked, outermost first, and the names in each not reached yet.
  private var folders: [(path: String, names: ArraySlice<String>)] = []
  /// The archive whose entries are being read, the name it is shown by, and whether a
  /// compressed file's content is looked at before it is read (see `fileUnit`).
  private var archive: (reader: ArchiveReader, name: String, sniff: Bool)?
  /// Files of folders and archives passed over, and why, in the order they were reached.
  private(set) var skipped: [SkippedFile] = []

  init(
    _ inputs: [InputPath], format: RecordFormat, limits: ArchiveLimits,
    standardInput: Int32 = STDIN_FILENO
  ) {
    self.inputs = inputs[...]
    self.format = format
    self.limits = limits
    self.standardInput = standardInput
  }

  /// The total size of the regular files named (not those in named folders): what ingestion
  /// can know of the input's size before reading it.
  static func namedFileBytes(_ inputs: [InputPath]) -> Int {
    var total = 0
    for case .path(let path) in inputs {
      var info = stat()
      if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
        total += Int(info.st_size)
      }
    }
    return total
  }

  /// The next unit, or nil after the last. A name that cannot be shown safely, anywhere in a
  /// folder read, refuses the whole input, whether or not its file would be read.
  func next() throws -> InputUnit? {
    while true {
      if let (reader, name, sniff) = archive {
        if let unit = try nextEntry(of: reader, name: name, sniff: sniff) { return unit }
        archive = nil
      } else if !folders.isEmpty {
        if let unit = try nextInFolder() { return unit }
      } else if let input = inputs.popFirst() {
        if let unit = try firstUnit(of: input) { return unit }
      } else {
        return nil
      }
    }
  }

  /// Starts on one input named on the command line: its unit, or nil when it is a folder or
  /// an archive, whose units follow.
  private func firstUnit(of input: InputPath) throws -> InputUnit? {
    guard case .path(let path) = input else { return try standardInputUnit() }
    try Self.checkName(path)
    var info = stat()
    guard stat(path, &info) == 0 else {
      if errno == ENOENT || errno == ENOTDIR { throw IngestError.inputNotFound(path: path) }
      throw IngestError.cannotRead(path: path, code: errno)
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      folders.append((path, try FileSystem.list(path)[...]))
      return nil
    }
    return try fileUnit(path, explicit: true)
  }

  /// The next name of the innermost folder being walked: its unit when it is a file to read,
  /// and otherwise nil (a subfolder is entered, a file skipped, a folder left when done).
  private func nextInFolder() throws -> InputUnit? {
    let innermost = folders.count - 1
    guard let name = folders[innermost].names.popFirst() else {
      folders.removeLast()
      return nil
    }
    let directory = folders[innermost].path
    let path = directory.hasSuffix("/") ? directory + name : "\(directory)/\(name)"
    try Self.checkName(path)
    var info = stat()
    guard lstat(path, &info) == 0 else {
      // The listing replaces bytes that are not UTF-8 with U+FFFD, a name that is not there.
      if errno == ENOENT, name.unicodeScalars.contains("\u{FFFD}") {
        throw IngestError.unusableName(path: path, reason: "the name is not valid UTF-8")
      }
      if errno == ENOENT { return nil }  // removed while the folder was read
      throw IngestError.cannotRead(path: path, code: errno)
    }
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      folders.append((path, try FileSystem.list(path)[...]))
      return nil
    case S_IFREG:
      return try fileUnit(path, explicit: false)
    default:  // symbolic links, devices, sockets: never followed
      skipped.append(SkippedFile(path: path, reason: .notAFile))
      return nil
    }
  }

  /// Refuses a name with control characters or line breaks, however the file is read.
  private static func checkName(_ path: String) throws {
    if DisplayText.hasControlCharacters(path) {
      throw IngestError.unusableName(
        path: path, reason: "the name holds control characters or line breaks (shown escaped)")
    }
  }

  /// A file's unit when it is plain data (nil when a folder's file is skipped); an archive or
  /// compressed file is opened instead, and its entries follow.
  private func fileUnit(_ path: String, explicit: Bool) throws -> InputUnit? {
    let kind = try ArchiveReader.detect(path: path)
    if kind == .plain {
      if explicit {
        return InputUnit(name: path, origin: (path, nil), source: try FileByteSource(path: path))
      }
      return try unitIfFits(name: path, path: path, origin: (path, nil)) {
        try FileByteSource(path: path)
      }
    }
    var sniff = false
    if !explicit && kind == .compressedFile {
      switch InputFilter.verdict(Self.withoutArchiveSuffix(path), format: format) {
      case .read: break
      case .sniff: sniff = true
      case .skip(let reason):
        skipped.append(SkippedFile(path: path, reason: reason))
        return nil
      }
    }
    archive = (try ArchiveReader(path: path, limits: limits), path, sniff)
    return nil
  }

  /// The unit of a file of a folder or archive when its name, or for text its content, fits
  /// the record format; otherwise nil, and the file is noted as skipped, with the reason.
  private func unitIfFits(
    name: String, path: String, origin: (path: String, entry: String?),
    source makeSource: () throws -> ByteSource
  ) throws -> InputUnit? {
    switch InputFilter.verdict(path, format: format) {
    case .read:
      return InputUnit(name: name, origin: origin, source: try makeSource())
    case .sniff:
      return try unitIfText(try makeSource(), name: name, origin: origin)
    case .skip(let reason):
      skipped.append(SkippedFile(path: name, reason: reason))
      return nil
    }
  }

  /// The unit of `source` when its first bytes are UTF-8 text; otherwise nil, and it is noted
  /// as skipped.
  private func unitIfText(
    _ source: ByteSource, name: String, origin: (path: String, entry: String?)
  ) throws -> InputUnit? {
    let prefix = try Self.readPrefix(of: source, count: TextSniffer.byteCount)
    guard TextSniffer.isText(prefix, whole: prefix.count < TextSniffer.byteCount) else {
      skipped.append(SkippedFile(path: name, reason: .notText))
      return nil
    }
    return InputUnit(
      name: name, origin: origin, source: PrefixedByteSource(prefix: prefix, rest: source))
  }

  /// The first `count` bytes of `source`, or all of it when it is shorter.
  private static func readPrefix(of source: ByteSource, count: Int) throws -> [UInt8] {
    var prefix = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < prefix.count {
      let n = try prefix.withUnsafeMutableBytes {
        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
      }
      if n == 0 { break }
      filled += n
    }
    prefix.removeSubrange(filled...)
    return prefix
  }

  /// Standard input may be plain data or an archive: its first bytes tell. Nil when it is an
  /// archive, whose entries follow.
  private func standardInputUnit() throws -> InputUnit? {
    let source = FileByteSource(fd: standardInput, name: "<stdin>")
    let prefix = try Self.readPrefix(of: source, count: ArchiveReader.detectionByteCount)
    switch ArchiveReader.detect(firstBytes: prefix) {
    case .plain:
      return InputUnit(
        name: "<stdin>", origin: ("<stdin>", nil),
        source: PrefixedByteSource(prefix: prefix, rest: source))
    case .archive, .compressedFile:
      let reader = try ArchiveReader(
        fileDescriptor: standardInput, name: "<stdin>", prefix: prefix, limits: limits)
      archive = (reader, "<stdin>", false)
      return nil
    }
  }

  /// The unit of an archive's next entry that is read, each named `archive:entry`; nil after
  /// the last. Entries that do not fit the format (by name, or for text by content) are
  /// passed over; a compressed single file is read, after a look at its content when `sniff`.
  private func nextEntry(of reader: ArchiveReader, name: String, sniff: Bool) throws
    -> InputUnit?
  {
    while let entry = try reader.nextEntry() {
      if reader.isCompressedFile {
        let source = ArchiveEntrySource(reader: reader)
        if !sniff { return InputUnit(name: name, origin: (name, nil), source: source) }
        if let unit = try unitIfText(source, name: name, origin: (name, nil)) { return unit }
        continue
      }
      let unit = try unitIfFits(
        name: "\(name):\(entry.path)", path: entry.path, origin: (name, entry.path)
      ) {
        ArchiveEntrySource(reader: reader)
      }
      if let unit { return unit }
    }
    return nil
  }

  private static func withoutArchiveSuffix(_ path: String) -> String {
    for suffix in [".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".z"]
    where path.lowercased().hasSuffix(suffix) {
      return String(path.dropLast(suffix.count))
    }
    return path
  }
}
