import Foundation
import Testing

/// What a run of the binary produced.
struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String

  /// The result of `process`, once its standard error (collected in `errors`) is read to the end
  /// and `output` is its whole standard output.
  init(waitingFor process: Process, output: Data, errors: LockedData) {
    process.waitUntilExit()
    status = process.terminationStatus
    stdout = String(decoding: output, as: UTF8.self)
    stderr = String(decoding: errors.wait(), as: UTF8.self)
  }
}

/// Runs the built `openledger` binary in a sandbox of its own: a temporary working directory,
/// and HOME and XDG_CONFIG_HOME inside it, so tests never see the user's identities or stores.
final class Sandbox: @unchecked Sendable {
  let root: String
  var environment: [String: String]

  init() throws {
    let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("openledger-e2e-XXXXXX")
    var template = Array(base.utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw CocoaError(.fileWriteUnknown)
    }
    root = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    environment = [
      "HOME": "\(root)/home",
      "XDG_CONFIG_HOME": "\(root)/config",
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "LANG": "C.UTF-8",
    ]
    try FileManager.default.createDirectory(
      atPath: "\(root)/home", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: "\(root)/work", withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: root)
  }

  /// The working directory commands run in.
  var work: String { "\(root)/work" }
  var store: String { "\(work)/.openledger" }
  func identityPath(_ name: String) -> String {
    "\(root)/config/openledger/identities/\(name).json"
  }

  /// Runs `openledger arguments…` and waits for it.
  @discardableResult
  func run(
    _ arguments: [String], stdin: Data? = nil, in directory: String? = nil,
    environment extra: [String: String] = [:]
  ) throws -> RunResult {
    try runProcess(
      Self.binary, arguments, stdin: stdin, in: directory ?? work,
      environment: environment.merging(extra) { $1 })
  }

  /// Runs a command that must succeed, and returns its stdout.
  @discardableResult
  func ok(
    _ arguments: [String], stdin: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation
  )
    throws -> String
  {
    let result = try run(arguments, stdin: stdin)
    #expect(
      result.status == 0, "openledger \(arguments.joined(separator: " ")) failed: \(result.stderr)",
      sourceLocation: sourceLocation)
    return result.stdout
  }

  /// Runs `openledger arguments…` with its standard error on a pseudo-terminal, as a person at
  /// a terminal sees it; standard output goes to a pipe.
  func runOnTerminal(_ arguments: [String]) throws -> RunResult {
    // posix_openpt, unlockpt and ptsname, which Swift's Glibc module does not export; the two
    // requests are _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned int) on Linux.
    let unlockRequest: UInt = 0x4004_5431
    let numberRequest: UInt = 0x8004_5430
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    guard master >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(master) }
    var unlock: CInt = 0
    var number: CInt = 0
    guard ioctl(master, unlockRequest, &unlock) == 0, ioctl(master, numberRequest, &number) == 0
    else { throw CocoaError(.fileWriteUnknown) }
    let terminal = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
    guard terminal >= 0 else { throw CocoaError(.fileWriteUnknown) }
    // Raw output: the line discipline would turn "\n" into "\r\n".
    var settings = termios()
    tcgetattr(terminal, &settings)
    cfmakeraw(&settings)
    tcsetattr(terminal, TCSANOW, &settings)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.binary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: work)
    process.environment = environment
    let outPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    close(terminal)
    // The terminal's reader ends with EIO once the child, its last holder, exits.
    let errData = LockedData()
    let reader = Thread {
      var collected = Data()
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        collected.append(contentsOf: buffer[0..<n])
      }
      errData.set(collected)
    }
    reader.start()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    return RunResult(waitingFor: process, output: out, errors: errData)
  }

  /// Writes a file under the working directory.
  func write(_ relativePath: String, _ contents: String) throws {
    let path = "\(work)/\(relativePath)"
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
  }

  /// The built binary: $OPENLEDGER_BIN, else `openledger` beside the test bundle.
  static let binary: String = {
    if let path = ProcessInfo.processInfo.environment["OPENLEDGER_BIN"] { return path }
    var candidates = [String]()
    if let first = CommandLine.arguments.first {
      candidates.append(
        ((first as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
          "openledger"))
    }
    let bundle = Bundle.main.bundlePath
    candidates.append(
      ((bundle as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
        "openledger"))
    candidates.append((bundle as NSString).appendingPathComponent("openledger"))
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/openledger").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
  }()
}

/// A value filled in by one thread and awaited by another.
final class LockedData: @unchecked Sendable {
  private let condition = NSCondition()
  private var data: Data?

  func set(_ value: Data) {
    condition.lock()
    data = value
    condition.signal()
    condition.unlock()
  }

  func wait() -> Data {
    condition.lock()
    defer { condition.unlock() }
    while data == nil { condition.wait() }
    return data!
  }
}

/// Decodes a command's `--format json` output.
func decodeJSON(_ text: String) throws -> Any {
  try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// Runs `executable arguments…` and waits for it, its output and errors collected.
func runProcess(
  _ executable: String, _ arguments: [String], stdin: Data? = nil, in directory: String? = nil,
  environment: [String: String]? = nil
) throws -> RunResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  if let environment { process.environment = environment }
  let outPipe = Pipe()
  let errPipe = Pipe()
  let inPipe = Pipe()
  process.standardOutput = outPipe
  process.standardError = errPipe
  process.standardInput = inPipe
  try process.run()
  // Read both pipes concurrently so a chatty process cannot block on a full pipe.
  let errData = LockedData()
  let reader = Thread { errData.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }
  reader.start()
  if let stdin { inPipe.fileHandleForWriting.write(stdin) }
  try inPipe.fileHandleForWriting.close()
  let out = outPipe.fileHandleForReading.readDataToEndOfFile()
  return RunResult(waitingFor: process, output: out, errors: errData)
}
