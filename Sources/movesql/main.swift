import ArgumentParser

MoveSQL.main()
