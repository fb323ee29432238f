import SQL

/// Errors of the engine are `SQLError`s: binder and type errors point at the expression,
/// runtime errors (overflow, division by zero, a bad cast) say which value.
typealias EngineError = SQLError

func runtimeError(_ message: String) -> SQLError { SQLError(.runtime, message) }
