import ArgumentParser
import Engine
#if canImport(Glibc)
import Glibc
#endif

/// The movesql command line as a library: the `movesql` executable is this, and a program
/// that registers its own functions (docs/library.md, Examples/) runs the same CLI with them.
public enum MoveSQLCommandLine {
    /// Run on every session the CLI makes, after the default catalogs are attached and before
    /// the init file: where a program registers functions and catalogs of its own.
    nonisolated(unsafe) static var setup: ((Session) throws -> Void)?

    /// Parses `arguments` (the process's, without the program name, by default) and runs the
    /// command they name; exits the process.
    public static func main(_ arguments: [String] = Array(CommandLine.arguments.dropFirst()), setup: ((Session) throws -> Void)? = nil) -> Never {
        self.setup = setup
        // Subcommands are dispatched before the top-level command parses, so that their
        // options (`--format` in particular) are their own and not the SQL runner's.
        switch arguments.first {
        case "sstable": SSTableCommand.main(Array(arguments.dropFirst()))
        case "backup": BackupCommand.main(Array(arguments.dropFirst()))
        case "iceberg": IcebergCommand.main(Array(arguments.dropFirst()))
        default: MoveSQL.main(arguments)
        }
        exit(0)
    }
}
