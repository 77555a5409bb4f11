extension DatanetChecks {
  /// Checks a Datanet's reward epochs: each epoch's manifest verified where the store keeps it
  /// (signature by a curator, leaves against the subject digest, root, tree, sums, chain).
  func checkManifests(into check: inout ValidationCheck) throws {
    let epochs = RewardEpochs(store: store, datanet: state)
    let all = try epochs.list()
    check.checked = all.count
    for epoch in all {
      let report = epochs.verify(epoch)
      for failed in report.checks where failed.status == .failed {
        check.findings.append(
          ValidationFinding(
            .error, code: "manifest-\(failed.check.rawValue)",
            message: "reward epoch \(epoch.epoch) of \(state.name) (manifest "
              + "\(epoch.manifest.short)): the \(failed.check.rawValue) check failed: "
              + "\(failed.detail)",
            subject: epoch.manifest.hex, file: store.objects.path(for: epoch.manifest)))
      }
    }
  }
}
