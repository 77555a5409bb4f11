import Testing

/// The shell completions `make install` installs come from the binary itself.
@Suite struct CompletionTests {
  @Test(arguments: ["bash", "zsh", "fish"])
  func completionScriptsNameTheSubcommands(shell: String) throws {
    let sandbox = try Sandbox()
    let script = try sandbox.ok(["--generate-completion-script", shell])
    for command in ["contribute", "validate", "datanet", "identity", "fsck"] {
      #expect(script.contains(command), "the \(shell) completions lack '\(command)'")
    }
    #expect(script.contains("store"))
  }
}
