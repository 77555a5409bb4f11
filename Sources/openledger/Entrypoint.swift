import OpenLedgerCLI

@main
enum Entrypoint {
  static func main() {
    OpenLedgerCommand.runMain()
  }
}
