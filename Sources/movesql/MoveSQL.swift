import ArgumentParser

struct MoveSQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "movesql",
        abstract: "Move Apache Cassandra data out of backups into Apache Iceberg tables with SQL.",
        subcommands: [SSTableCommand.self]
    )
}

struct SSTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sstable",
        abstract: "Inspect Cassandra SSTable files directly.",
        subcommands: [SSTableDump.self, SSTableDescribe.self]
    )
}
