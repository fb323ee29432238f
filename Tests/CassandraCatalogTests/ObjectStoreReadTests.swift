@testable import Cassandra
@testable import CassandraCatalog
import Columnar
import Engine
import Foundation
import ObjectStore
import Testing
import Threads

/// A store that is not a local folder (as S3 will be): SSTables are read through its ranged
/// reads, and the rows are those of the same backup read from the folder.
@Suite(.serialized) struct ObjectStoreReadTests {
    final class Counter: @unchecked Sendable {
        private var n = 0
        private let lock = Monitor()
        func add() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    struct RemoteLikeStore: ObjectStore {
        let inner: LocalFolderStore
        let rangedReads: Counter
        var location: String { "test://" + inner.root }
        func children(of prefix: String) throws -> [String] { try inner.children(of: prefix) }
        func list(prefix: String) throws -> [ObjectInfo] { try inner.list(prefix: prefix) }
        func head(_ key: String) throws -> ObjectInfo? { try inner.head(key) }
        func read(_ key: String) throws -> [UInt8] { try inner.read(key) }
        func read(_ key: String, offset: Int64, count: Int) throws -> [UInt8] {
            rangedReads.add()
            return try inner.read(key, offset: offset, count: count)
        }
    }

    @Test func sstablesAreReadThroughTheStore() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try BackupHistoryTests.make(dir)
        let local = try SQLRun.session(dir.path + "/backups")
        let counter = Counter()
        let remote = Session()
        try remote.attach("cassandra", CassandraCatalog(store: RemoteLikeStore(inner: LocalFolderStore(root: dir.path + "/backups"), rangedReads: counter)))
        for sql in ["SELECT id, email, writetime(email), tags FROM cassandra.shop.users",
                    "SELECT * FROM cassandra.shop.users FOR VERSION AS OF 'b1'",
                    "SELECT email FROM cassandra.shop.users WHERE id = 7",
                    "SELECT file, min_token, max_token FROM cassandra.system.sstables"] {
            let want = try SQLRun.rows(local, sql)
            let got = try SQLRun.rows(remote, sql)
            #expect(got == want, "\(sql)")
            #expect(!want.isEmpty, "\(sql)")
        }
        #expect(counter.value > 20, "ranged reads: \(counter.value)")
        // A missing Data.db in the store is an error naming the object by its URL.
        let victim = try FileManager.default.subpathsOfDirectory(atPath: dir.path + "/backups").first { $0.hasSuffix("nb-2-big-Data.db") }!
        try FileManager.default.removeItem(atPath: dir.path + "/backups/" + victim)
        #expect { try SQLRun.rows(remote, "SELECT * FROM cassandra.shop.users") } throws: { e in
            "\(e)".contains("test://") && "\(e)".contains("nb-2-big-Data.db")
        }
    }
}
