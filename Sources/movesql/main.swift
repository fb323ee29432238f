// Subcommands are dispatched before the top-level command parses, so that their options
// (`--format` in particular) are their own and not the SQL runner's.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "sstable": SSTableCommand.main(Array(arguments.dropFirst()))
case "backup": BackupCommand.main(Array(arguments.dropFirst()))
default: MoveSQL.main()
}
