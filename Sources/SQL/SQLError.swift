/// A position in SQL text: 1-based line and column, 0-based offset in characters.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static let unknown = SourceLocation(line: 0, column: 0, offset: 0)

    public var description: String { "line \(line), column \(column)" }
}

/// An error in SQL text, with where it is. `render(source:)` shows the line with a caret
/// under the position, the way PostgreSQL and DuckDB do.
public struct SQLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case syntax = "syntax error"
        case binder = "binder error"
        case type = "type error"
        case runtime = "runtime error"
        case catalog = "catalog error"
        case unsupported = "not supported"
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public var description: String {
        if let l = location, l.line > 0 { return "\(kind.rawValue) at \(l): \(message)" }
        return "\(kind.rawValue): \(message)"
    }

    /// The error of a statement that starts at `start` of a larger text, located in that text.
    public func located(in start: SourceLocation) -> SQLError {
        guard let l = location, l.line > 0 else { return self }
        return SQLError(kind, message, at: SourceLocation(line: l.line + start.line - 1, column: l.line == 1 ? l.column + start.column - 1 : l.column,
                                                          offset: l.offset + start.offset))
    }

    /// The message, then the offending line of `source` with a caret under the column.
    public func render(source: String) -> String {
        guard let l = location, l.line > 0 else { return description }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard l.line - 1 < lines.count else { return description }
        let text = String(lines[l.line - 1])
        let caret = String(repeating: " ", count: max(0, l.column - 1)) + "^"
        return "\(description)\n  \(text)\n  \(caret)"
    }
}
