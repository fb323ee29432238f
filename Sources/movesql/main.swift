MoveSQL.main()
