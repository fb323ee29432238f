import ArgumentParser
import Foundation
import Iceberg

struct IcebergCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iceberg",
        _superCommandName: "movesql",
        abstract: "Maintain the Iceberg tables of a warehouse.",
        subcommands: [IcebergOrphans.self]
    )
}

struct IcebergOrphans: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orphans",
        abstract: "List (or delete) the files of a table that no snapshot reaches.",
        discussion: """
        A write that never committed (killed, failed, or out of retries) leaves its data files \
        and manifests under the table's folder; no reader sees them. This lists every file under \
        the table's location that the metadata does not reach — metadata files current and \
        logged, manifest lists, manifests, and the data files of every snapshot — and that is \
        older than --older-than (a write in progress is young). With --delete, removes them.
        """
    )

    @Argument(help: "The table: ns.table or iceberg.ns.table.") var table: String
    @OptionGroup var warehouseOption: WarehouseOption
    @Option(help: "The SQLite catalog (default: <warehouse>/catalog.db).") var catalog: String?
    @Option(name: .customLong("older-than"), help: "Only files last modified more than this many seconds ago (default 3 days, as Iceberg's).")
    var olderThan: Double = 3 * 86400
    @Flag(help: "Delete the files listed.") var delete = false

    func run() throws {
        let folder = warehouseOption.warehouse ?? ProcessInfo.processInfo.environment["MOVESQL_WAREHOUSE"] ?? "./warehouse"
        let catalogPath = catalog ?? folder + "/catalog.db"
        guard FileManager.default.fileExists(atPath: catalogPath) else { throw ValidationError("no catalog at \(catalogPath)") }
        var parts = table.split(separator: ".").map(String.init)
        if parts.count == 3 && parts[0] == "iceberg" { parts.removeFirst() }
        guard parts.count == 2 else { throw ValidationError("name the table as ns.table, not \(table)") }
        let c = try SQLiteCatalog(path: catalogPath)
        guard let t = try IcebergTable.load(catalog: c, namespace: parts[0], name: parts[1]) else {
            throw ValidationError("no table \(parts[0]).\(parts[1]) in \(catalogPath)")
        }
        let orphans = try t.orphanFiles(olderThan: olderThan)
        var bytes: Int64 = 0
        for o in orphans {
            print("\(o.path)\t\(o.size)")
            bytes += o.size
            if delete { try FileManager.default.removeItem(atPath: o.path) }
        }
        FileHandle.standardError.write(Data("\(orphans.count) orphan file\(orphans.count == 1 ? "" : "s"), \(bytes) bytes\(delete ? ", deleted" : "") in \(t.folder)\n".utf8))
    }
}

/// `--warehouse`, shared by the root command and the `iceberg` subcommands (one option, so
/// it reaches whichever command runs).
struct WarehouseOption: ParsableArguments {
    @Option(name: .customLong("warehouse"), help: ArgumentHelp("The folder of the default iceberg catalog, its catalog.db inside (default: $MOVESQL_WAREHOUSE, else ./warehouse).", valueName: "DIR"))
    var warehouse: String?
}
