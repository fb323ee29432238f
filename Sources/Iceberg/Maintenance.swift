import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file under a table's location that no snapshot, manifest or metadata file reaches: what
/// a write that was never committed (killed, failed, lost its last race) leaves behind.
public struct OrphanFile: Sendable {
    public var path: String
    public var size: Int64
    public var modified: Date
}

extension IcebergTable {
    /// Every file the table's metadata reaches: metadata files (current and logged), manifest
    /// lists, manifests and the data files of every snapshot (deleted entries included: older
    /// snapshots still read them).
    public func reachableFiles() throws -> Set<String> {
        var out = Set<String>([Self.path(ofLocation: metadataLocation)])
        if case .array(let log)? = metadata["metadata-log"] {
            for e in log { if case .string(let f)? = e["metadata-file"] { out.insert(Self.path(ofLocation: f)) } }
        }
        var seenManifests = Set<String>()
        for s in snapshots {
            out.insert(Self.path(ofLocation: s.manifestList))
            for m in try manifests(of: s) where seenManifests.insert(m.path).inserted {
                out.insert(Self.path(ofLocation: m.path))
                let container = try Self.readAvro(m.path)
                for r in container.records {
                    if let file = AvroRecord(r, container.schema)?.record("data_file"), let p = file.string("file_path") {
                        out.insert(Self.path(ofLocation: p))
                    }
                }
            }
        }
        return out
    }

    /// Files under the table's folder that nothing reaches and that were last modified more
    /// than `olderThan` seconds ago (a write in progress is young: Iceberg's own
    /// `remove_orphan_files` waits 3 days by default).
    public func orphanFiles(olderThan seconds: TimeInterval) throws -> [OrphanFile] {
        try refresh()
        let reachable = try reachableFiles()
        let cutoff = Date().addingTimeInterval(-seconds)
        var out: [OrphanFile] = []
        guard let walk = FileManager.default.enumerator(atPath: folder) else { return [] }
        while let relative = walk.nextObject() as? String {
            let path = folder + "/" + relative
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let modified = attributes[.modificationDate] as? Date ?? Date()
            if !reachable.contains(path) && modified <= cutoff {
                out.append(OrphanFile(path: path, size: (attributes[.size] as? NSNumber)?.int64Value ?? 0, modified: modified))
            }
        }
        return out.sorted { $0.path < $1.path }
    }
}

/// Crash points for the tests that kill a write where it hurts (`MOVESQL_FAULT=<point>`):
/// the process dies there with SIGKILL, as a power cut or `kill -9` would leave it.
/// `<point>:delay=<ms>` sleeps there instead (to make two commits race).
public enum FaultPoint {
    static let setting = ProcessInfo.processInfo.environment["MOVESQL_FAULT"]

    public static func hit(_ point: String) {
        guard let setting, setting.hasPrefix(point) else { return }
        let rest = setting.dropFirst(point.count)
        if rest.isEmpty {
            kill(getpid(), SIGKILL)
        } else if rest.hasPrefix(":delay="), let ms = UInt32(rest.dropFirst(":delay=".count)) {
            usleep(ms * 1000)
        }
    }
}
