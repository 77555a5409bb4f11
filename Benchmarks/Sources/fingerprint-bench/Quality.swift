import ArgumentParser

struct Quality: ParsableCommand {
  func run() throws {}
}
