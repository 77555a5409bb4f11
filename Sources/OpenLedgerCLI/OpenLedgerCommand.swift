import ArgumentParser
import Foundation
import OpenLedgerKit

/// `openledger`: the root command. It holds only its configuration; each subcommand lives in
/// its own file under `Commands/`.
public struct OpenLedgerCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "openledger",
    abstract: "Collect, curate, attribute and reward community datasets (Datanets).",
    discussion: """
      A store (.openledger/) holds Datanets, their contributed records, and a signed ledger of \
      every change. Start with `openledger init` and `openledger identity new NAME`.

      Exit codes: 0 ok, 1 checks failed, 64 usage, 65 bad input data, 66 not found, \
      70 internal error, 73 cannot create, 74 I/O error or store busy, 77 permission denied.
      """,
    version: openledgerVersion,
    subcommands: [
      Init.self,
      IdentityCommand.self,
      DatanetCommand.self,
      Contribute.self,
      Fingerprint.self,
      ReviewCommand.self,
      RecordCommand.self,
      Withdraw.self,
      Takedown.self,
      VerifyLedger.self,
      Export.self,
      IndexCommand.self,
      Attribute.self,
      Count.self,
      Search.self,
      Log.self,
      RewardsCommand.self,
      ManifestCommand.self,
      PayoutCommand.self,
      Fsck.self,
      GC.self,
      RebuildCatalog.self,
      Validate.self,
      RemoteCommand.self,
      Clone.self,
      Push.self,
      Pull.self,
    ]
  )

  public init() {}

  /// Usage errors from argument parsing start like every other error, so one prefix marks
  /// every error the program prints (Docs/ExitCodes.md).
  public static var _errorPrefix: String { "openledger: error: " }

  /// Parses the process arguments, runs the command and exits with the status
  /// Docs/ExitCodes.md gives its outcome. The one place where errors become exit codes.
  public static func runMain(_ arguments: [String]? = nil) -> Never {
    let status: Int32
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
      status = 0
    } catch let error as OpenLedgerError {
      if let naming = error as? NamesAccounts {
        let names = AccountNames(
          names: Context.identityStore(ProcessInfo.processInfo.environment).publicDirectory())
        Diagnostics.error(naming.description(naming: names.label))
      } else {
        Diagnostics.error(error.description)
      }
      status = error.kind.exitStatus
    } catch let error as CocoaError where error.code == .fileWriteOutOfSpace {
      Diagnostics.error("\(error.localizedDescription)")
      status = FailureKind.ioError.exitStatus
    } catch {
      // Argument parsing, --help, --version, ExitCode and ValidationError (64) are handled by
      // ArgumentParser; anything else reaching here is a bug.
      if Self.isArgumentParserOutcome(error) {
        // Help, versions and completion scripts go to stdout as ArgumentParser writes them. An
        // error message quotes what was typed (a file name, say): it is escaped like ours.
        let code = exitCode(for: error)
        if code == .success { exit(withError: error) }
        let message = fullMessage(for: error)
        if !message.isEmpty { Diagnostics.block(message) }
        Diagnostics.flush()
        Foundation.exit(code.rawValue)
      }
      Diagnostics.error("internal error: \(error)")
      status = FailureKind.internalError.exitStatus
    }
    Diagnostics.flush()
    Foundation.exit(status)
  }

  private static func isArgumentParserOutcome(_ error: Error) -> Bool {
    if error is ExitCode || error is ValidationError || error is CleanExit { return true }
    return String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
  }
}
