/// An SSTable format version ("mc", "nb", "oa", ...) and the features it implies.
/// Follows `BigFormat.BigVersion` and `BtiFormat.BtiVersion`.
public struct FormatVersion: Sendable, Hashable, CustomStringConvertible {
    public enum Family: String, Sendable {
        case big
        case bti
    }

    public let letters: String
    public let family: Family
    /// The `big` version this one's Data.db and Statistics.db encoding equals.
    let bigEquivalent: String

    public init(letters: String, family: Family, file: String) throws {
        guard letters.count == 2, letters.allSatisfy({ $0 >= "a" && $0 <= "z" }) else {
            throw SSTableError(.unsupportedFormat, file: file, "'\(letters)' is not an SSTable format version")
        }
        self.letters = letters
        self.family = family
        switch family {
        case .big:
            if letters < "ma" {
                throw SSTableError(.unsupportedFormat, file: file,
                                   "format '\(letters)' is Cassandra 2.x or older; movesql reads 3.0 (ma) to 5.0 (oa). Upgrade the SSTables with `nodetool upgradesstables` on a 3.x or newer node first")
            }
            if letters > "oa" && !letters.hasPrefix("o") {
                throw SSTableError(.unsupportedFormat, file: file, "format '\(letters)' is newer than 5.0 (oa) and not supported yet")
            }
            bigEquivalent = letters
        case .bti:
            // Apache Cassandra 5.0 BTI "da" shares oa's Data.db and Statistics.db.
            if letters.hasPrefix("d") {
                bigEquivalent = "oa"
            } else if letters >= "aa" && letters < "da" {
                // DSE 6.x trie-indexed versions (aa..cz, not Apache): Data.db, Statistics.db
                // and CompressionInfo.db decode as Apache nb (seen on DSE 6.8 "bb").
                bigEquivalent = "nb"
            } else {
                throw SSTableError(.unsupportedFormat, file: file, "BTI format '\(letters)' is not known (Apache Cassandra 5.0 writes 'da')")
            }
        }
    }

    public var description: String { "\(letters) (\(family.rawValue))" }

    private func atLeast(_ v: String) -> Bool { bigEquivalent >= v }

    /// mb+: commit log lower bound in StatsMetadata.
    var hasCommitLogLowerBound: Bool { atLeast("mb") }
    /// mc+: commit log intervals in StatsMetadata.
    var hasCommitLogIntervals: Bool { atLeast("mc") }
    /// me (3.0.25/3.11.11) and nb+: originating host id.
    var hasOriginatingHostId: Bool { bigEquivalent == "me" || atLeast("nb") }
    /// na+: pending repair, isTransient, checksummed Statistics.db, maxCompressedLength.
    var hasPendingRepair: Bool { atLeast("na") }
    var hasIsTransient: Bool { atLeast("na") }
    var hasMetadataChecksum: Bool { atLeast("na") }
    var hasMaxCompressedLength: Bool { atLeast("na") }
    /// Before na, Filter.db stored its bit set as big-endian longs (`hasOldBfFormat`).
    var hasOldBloomFilterFormat: Bool { !atLeast("na") }
    /// nc/oa: covered clustering slice instead of min/max clustering values, the
    /// partition-level deletion presence marker and the key range in StatsMetadata.
    var hasImprovedMinMax: Bool { atLeast("oa") || bigEquivalent == "nc" }
    var hasPartitionLevelDeletionsPresenceMarker: Bool { hasImprovedMinMax }
    var hasKeyRange: Bool { hasImprovedMinMax }
    /// oa: DeletionTime with unsigned local deletion time, a single byte when live.
    var hasUIntDeletionTime: Bool { atLeast("oa") }
    /// oa: token space coverage in StatsMetadata.
    var hasTokenSpaceCoverage: Bool { atLeast("oa") }
}
