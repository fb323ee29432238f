// The public library surface of movesql: one import gives the engine (sessions, catalogs,
// table providers, the function registry), the column model and the SQL front end; the
// Cassandra reader comes with its own import. See docs/library.md.
@_exported import Columnar
@_exported import Engine
@_exported import SQL
