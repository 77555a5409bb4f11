/// Orders a DAG of events parents first, breaking ties by the smaller event id, so that every
/// replica folds the same events in the same order.
public enum TopologicalOrder {
  /// `parents` maps each event to the events it names as parents. Parents that are not keys are
  /// reported through `missing`; such events are ordered as if the parent were absent.
  public static func sort(
    _ parents: [Digest: [Digest]],
    missing: (_ event: Digest, _ parent: Digest) -> Void = { _, _ in }
  ) -> [Digest] {
    var pending = [Digest: Int]()
    var children = [Digest: [Digest]]()
    for (event, eventParents) in parents {
      var count = 0
      for parent in Set(eventParents) {
        if parents[parent] == nil {
          missing(event, parent)
        } else {
          count += 1
          children[parent, default: []].append(event)
        }
      }
      pending[event] = count
    }
    var ready = MinHeap<Digest>()
    for (event, count) in pending where count == 0 { ready.push(event) }
    var order = [Digest]()
    order.reserveCapacity(parents.count)
    while let next = ready.pop() {
      order.append(next)
      for child in children[next] ?? [] {
        pending[child]! -= 1
        if pending[child] == 0 { ready.push(child) }
      }
    }
    // Content-addressed events cannot form a cycle; were one forged, its events stay out.
    return order
  }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
  private var items = [Element]()

  var isEmpty: Bool { items.isEmpty }
  var count: Int { items.count }

  mutating func push(_ item: Element) {
    items.append(item)
    var child = items.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard items[child] < items[parent] else { break }
      items.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> Element? {
    guard !items.isEmpty else { return nil }
    items.swapAt(0, items.count - 1)
    let top = items.removeLast()
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < items.count, items[left] < items[smallest] { smallest = left }
      if right < items.count, items[right] < items[smallest] { smallest = right }
      if smallest == parent { break }
      items.swapAt(parent, smallest)
      parent = smallest
    }
    return top
  }
}
