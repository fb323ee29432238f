import MoveSQLCLI

MoveSQLCommandLine.main()
