import CMoveSQLPlugin
import Columnar
import SQL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads plug-ins: shared libraries built against `movesql_plugin.h` that add scalar functions
/// through its one entry point, `movesql_plugin_init`, after their ABI version is checked.
public enum PluginLoader {
    public static let abiVersion = UInt32(MOVESQL_PLUGIN_ABI_VERSION)

    final class Host {
        struct Registration: @unchecked Sendable {
            var name: String
            var arguments: [DataType]
            var returns: DataType
            var function: movesql_scalar_fn
            var userData: UnsafeMutableRawPointer?
        }
        var registrations: [Registration] = []
        var problems: [String] = []
    }

    static func type(_ code: Int32) -> DataType? {
        switch code {
        case Int32(MOVESQL_TYPE_BOOLEAN): return .boolean
        case Int32(MOVESQL_TYPE_INTEGER): return .integer
        case Int32(MOVESQL_TYPE_BIGINT): return .bigint
        case Int32(MOVESQL_TYPE_DOUBLE): return .double
        case Int32(MOVESQL_TYPE_VARCHAR): return .varchar
        default: return nil
        }
    }

    static func code(_ t: DataType) -> Int32 {
        switch t {
        case .boolean: return Int32(MOVESQL_TYPE_BOOLEAN)
        case .integer: return Int32(MOVESQL_TYPE_INTEGER)
        case .bigint: return Int32(MOVESQL_TYPE_BIGINT)
        case .double: return Int32(MOVESQL_TYPE_DOUBLE)
        default: return Int32(MOVESQL_TYPE_VARCHAR)
        }
    }

    /// Loads `path` and registers its functions; returns their signatures. Nothing is
    /// registered when the plug-in is refused.
    @discardableResult
    public static func load(_ path: String, into registry: FunctionRegistry) throws -> [String] {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw SQLError(.runtime, "LOAD '\(path)': \(dlerror().map { String(cString: $0) } ?? "cannot open it")")
        }
        guard let symbol = dlsym(handle, "movesql_plugin_init") else {
            dlclose(handle)
            throw SQLError(.runtime, "LOAD '\(path)': it has no movesql_plugin_init, so it is not a movesql plug-in")
        }
        typealias Init = @convention(c) (UnsafePointer<movesql_registrar>?) -> UInt32
        let initialize = unsafeBitCast(symbol, to: Init.self)
        let host = Host()
        let registerScalar: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<Int32>?, Int32, Int32, movesql_scalar_fn?, UnsafeMutableRawPointer?) -> Int32 = {
            hostPointer, name, types, count, returns, function, userData in
            let host = Unmanaged<Host>.fromOpaque(hostPointer!).takeUnretainedValue()
            guard let name, let function, count >= 0, count <= 64 else {
                host.problems.append("a function registered without a name or a body, or with \(count) arguments")
                return 1
            }
            let text = String(cString: name)
            let arguments: [DataType?] = (0..<Int(count)).map { k in types.flatMap { p in PluginLoader.type(p[k]) } }
            guard !text.isEmpty, arguments.allSatisfy({ $0 != nil }), let result = PluginLoader.type(returns) else {
                host.problems.append("\(text): an unknown argument or result type code")
                return 1
            }
            host.registrations.append(.init(name: text, arguments: arguments.map { $0! }, returns: result, function: function, userData: userData))
            return 0
        }
        let fail: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void = { hostPointer, message in
            let host = Unmanaged<Host>.fromOpaque(hostPointer!).takeUnretainedValue()
            host.problems.append(message.map { String(cString: $0) } ?? "it refused to load")
        }
        var registrar = movesql_registrar(abi_version: abiVersion, host: Unmanaged.passUnretained(host).toOpaque(),
                                          register_scalar: registerScalar, fail: fail)
        let version = withExtendedLifetime(host) { withUnsafePointer(to: &registrar) { initialize($0) } }
        guard version == abiVersion else {
            throw SQLError(.runtime, "LOAD '\(path)': the plug-in was built for plug-in ABI version \(version); this movesql speaks version \(abiVersion) (rebuild it against this movesql's movesql_plugin.h)")
        }
        guard host.problems.isEmpty else {
            throw SQLError(.runtime, "LOAD '\(path)': " + host.problems.joined(separator: "; "))
        }
        // The library stays loaded: its functions are called for the life of the process.
        return host.registrations.map { r in
            let f = ScalarFunction(r.name, arguments: r.arguments, returns: r.returns) { columns, count in
                try call(r, path: path, columns, count)
            }
            registry.register(f)
            return f.signature
        }
    }

    final class ResultBox {
        var builder: ColumnBuilder
        let type: DataType
        var problem: String?
        init(_ type: DataType, _ count: Int) {
            self.type = type
            builder = ColumnBuilder(type: type, capacity: count)
        }
        func expect(_ t: DataType) -> Bool {
            if t == type { return true }
            if problem == nil { problem = "appended a \(t) to a \(type) result" }
            return false
        }
    }

    static func box(_ r: OpaquePointer?) -> ResultBox { Unmanaged<ResultBox>.fromOpaque(UnsafeRawPointer(r!)).takeUnretainedValue() }

    static let resultAPI = movesql_result_api(
        append_null: { r in PluginLoader.box(r).builder.appendNull() },
        append_boolean: { r, v in let b = PluginLoader.box(r); if b.expect(.boolean) { b.builder.append(bool: v != 0) } },
        append_integer: { r, v in let b = PluginLoader.box(r); if b.expect(.integer) { b.builder.append(int32: v) } },
        append_bigint: { r, v in let b = PluginLoader.box(r); if b.expect(.bigint) { b.builder.append(int64: v) } },
        append_double: { r, v in let b = PluginLoader.box(r); if b.expect(.double) { b.builder.append(double: v) } },
        append_varchar: { r, bytes, length in
            let b = PluginLoader.box(r)
            guard b.expect(.varchar) else { return }
            guard let bytes, length >= 0 else { b.builder.appendNull(); return }
            b.builder.append(bytes: UnsafeRawBufferPointer(start: bytes, count: Int(length)))
        })

    /// Copies the argument columns into C buffers, calls the function, builds its result.
    static func call(_ r: Host.Registration, path: String, _ columns: [Column], _ count: Int) throws -> Column {
        var allocations: [UnsafeMutableRawPointer] = []
        defer { for a in allocations { a.deallocate() } }
        func copy<T>(_ array: [T]) -> UnsafeRawPointer {
            let bytes = max(1, array.count * MemoryLayout<T>.stride)
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            array.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: $0.count) } }
            allocations.append(p)
            return UnsafeRawPointer(p)
        }
        var cColumns: [movesql_column] = []
        for (c, t) in zip(columns, r.arguments) {
            let m = c.materialized()
            var column = movesql_column(type: code(t), rows: Int64(count), validity: nil, values: nil, offsets: nil)
            if m.nullCount > 0 { column.validity = copy((0..<count).map { m.isNull($0) ? UInt8(0) : 1 }).assumingMemoryBound(to: UInt8.self) }
            switch m.data {
            case .bool(let v): column.values = copy(v.map { $0 ? UInt8(1) : 0 })
            case .int32(let v): column.values = copy(v)
            case .int64(let v): column.values = copy(v)
            case .float64(let v): column.values = copy(v)
            case .bytes(let offsets, let bytes):
                column.values = copy(bytes)
                column.offsets = copy(offsets).assumingMemoryBound(to: Int32.self)
            default: throw SQLError(.runtime, "function \(r.name) (from \(path)): arguments of type \(t) do not pass to plug-ins")
            }
            cColumns.append(column)
        }
        let result = ResultBox(r.returns, count)
        var error = [CChar](repeating: 0, count: 1024)
        let rc = withExtendedLifetime(result) {
            cColumns.withUnsafeBufferPointer { args in
                withUnsafePointer(to: resultAPI) { api in
                    r.function(r.userData, args.baseAddress, Int32(args.count), Int64(count),
                               OpaquePointer(Unmanaged.passUnretained(result).toOpaque()), api, &error, Int64(error.count))
                }
            }
        }
        if rc != 0 {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw SQLError(.runtime, "function \(r.name) (from \(path)) failed: \(message.isEmpty ? "it returned \(rc)" : message)")
        }
        if let problem = result.problem { throw SQLError(.runtime, "function \(r.name) (from \(path)) \(problem)") }
        guard result.builder.count == count else {
            throw SQLError(.runtime, "function \(r.name) (from \(path)) gave \(result.builder.count) results for \(count) rows")
        }
        return result.builder.finish()
    }
}
