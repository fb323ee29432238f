import ArgumentParser
import Cassandra

struct SSTableDescribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Describe SSTables: format, compression, partitioner, schema and statistics."
    )

    @Argument(help: "A folder of SSTables, or one SSTable component file.")
    var path: String

    func run() throws {
        try runReporting {
            var out = OutputBuffer()
            for s in try SSTable.discover(path: path) {
                out.write(SSTableDescription.text(s))
            }
            out.flush()
        }
    }
}
