/// A bound of a clustering range: a prefix of clustering values and whether it starts or ends
/// the range, inclusively or not (`ClusteringBound` in Cassandra).
public struct ClusteringBound: Sendable, Equatable {
    public var values: ClusteringValues
    public var kind: BoundKind

    public init(values: ClusteringValues, kind: BoundKind) {
        self.values = values
        self.kind = kind
    }
}

/// The clustering range a read needs, in clustering order (reversed columns already turned
/// around). A scanner given one returns only what lies in it — seeking through the promoted
/// index to the block that holds its start, stopping at its end — and reports range deletions
/// clipped to it, so that a merge of sliced files is the slice of the merged files.
public struct ClusteringSlice: Sendable, Equatable {
    /// An `.inclusiveStart` or `.exclusiveStart` bound; nil from the partition's start.
    public var start: ClusteringBound?
    /// An `.inclusiveEnd` or `.exclusiveEnd` bound; nil to the partition's end.
    public var end: ClusteringBound?

    public init(start: ClusteringBound?, end: ClusteringBound?) {
        precondition(start.map { $0.kind.isStart } ?? true && end.map { $0.kind.isEnd } ?? true, "a slice runs from a start bound to an end bound")
        self.start = start
        self.end = end
    }

    /// Whether a row (`.clustering`) or marker position lies past the end.
    public func isPastEnd(_ values: ClusteringValues, _ kind: BoundKind, _ comparator: ClusteringComparator) -> Bool {
        guard let end else { return false }
        return comparator.compare(values, kind, end.values, end.kind) > 0
    }

    /// Whether a row or marker position lies before the start.
    public func isBeforeStart(_ values: ClusteringValues, _ kind: BoundKind, _ comparator: ClusteringComparator) -> Bool {
        guard let start else { return false }
        return comparator.compare(values, kind, start.values, start.kind) < 0
    }

    /// Whether no clustering can lie in the slice.
    public func isEmpty(_ comparator: ClusteringComparator) -> Bool {
        guard let start, let end else { return false }
        return comparator.compare(start.values, start.kind, end.values, end.kind) >= 0
    }
}

/// One block of a partition's promoted index (`IndexInfo`): the first and last clustering
/// positions it holds, where it starts relative to the partition and how long it is, and the
/// range deletion still open at its end.
struct RowIndexBlock {
    var first: ClusteringBound
    var last: ClusteringBound
    var offset: Int64
    var width: Int64
    var endOpenMarker: DeletionTime?
}
