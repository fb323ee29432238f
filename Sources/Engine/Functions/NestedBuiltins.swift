import Columnar

/// Constructors and accessors of lists, maps and structs.
enum NestedBuiltins {
    static func register(into r: FunctionRegistry) {
        r.register("list_value") { t in
            var element = DataType.null
            for x in t { guard let s = TypeMapping.supertype(element, x) else { return nil }; element = s }
            // An empty list's elements have no type yet: it adopts the type it meets.
            let e = element
            return BoundFunction(name: "list_value", returnType: .list(e)) { args, count in
                var b = ColumnBuilder(type: .list(e), capacity: count)
                for i in 0..<count {
                    b.append(.list(try args.map { try Cast.convert($0.value(at: i), from: $0.type, to: e) }))
                }
                return b.finish()
            }
        }
        r.register("list_extract") { t in
            guard t.count == 2, case .list(let e) = t[0], t[1].isInteger || t[1] == .null else { return nil }
            return MoreBuiltins.strict("list_extract", returns: e) { a in
                guard case .list(let items) = a[0] else { return .null }
                // 1-based; negative counts from the end; out of range is NULL.
                let i = MoreBuiltins.int(a[1])
                let k = i > 0 ? Int(i) - 1 : items.count + Int(i)
                return k >= 0 && k < items.count ? items[k] : .null
            }
        }
        r.register("map_extract") { t in
            guard t.count == 2, case .map(let k, let v) = t[0], TypeMapping.supertype(k, t[1]) != nil else { return nil }
            return MoreBuiltins.strict("map_extract", returns: v) { a in
                guard case .map(let keys, let values) = a[0] else { return .null }
                let needle = ValueOrder.hashKey(try Cast.convert(a[1], from: t[1], to: k))
                for (i, key) in keys.enumerated() where ValueOrder.hashKey(key) == needle { return values[i] }
                return .null
            }
        }
        for name in ["len", "length", "cardinality", "array_length"] {
            r.register(name) { t in
                guard t.count == 1 else { return nil }
                switch t[0] {
                case .list: return MoreBuiltins.strict(name, returns: .bigint) { a in if case .list(let x) = a[0] { return .int(Int64(x.count)) }; return .null }
                case .map: return MoreBuiltins.strict(name, returns: .bigint) { a in if case .map(let k, _) = a[0] { return .int(Int64(k.count)) }; return .null }
                default: return nil
                }
            }
        }
        for name in ["list_contains", "array_contains", "list_has"] {
            r.register(name) { t in
                guard t.count == 2, case .list(let e) = t[0], TypeMapping.supertype(e, t[1]) != nil else { return nil }
                return MoreBuiltins.strict(name, returns: .boolean) { a in
                    guard case .list(let items) = a[0] else { return .null }
                    let needle = ValueOrder.hashKey(a[1])
                    return .bool(items.contains { ValueOrder.hashKey($0) == needle })
                }
            }
        }
        r.register("map_keys") { t in
            guard t.count == 1, case .map(let k, _) = t[0] else { return nil }
            return MoreBuiltins.strict("map_keys", returns: .list(k)) { a in if case .map(let keys, _) = a[0] { return .list(keys) }; return .null }
        }
        r.register("map_values") { t in
            guard t.count == 1, case .map(_, let v) = t[0] else { return nil }
            return MoreBuiltins.strict("map_values", returns: .list(v)) { a in if case .map(_, let vs) = a[0] { return .list(vs) }; return .null }
        }
    }

    /// MAP {k: v, …} / MAP(keys, values).
    static func mapConstructor(keyType: DataType, valueType: DataType, pairs: Int) -> BoundFunction {
        BoundFunction(name: "map", returnType: .map(keyType, valueType)) { args, count in
            var b = ColumnBuilder(type: .map(keyType, valueType), capacity: count)
            for i in 0..<count {
                var keys: [Value] = [], values: [Value] = []
                for p in 0..<pairs {
                    let k = try Cast.convert(args[2 * p].value(at: i), from: args[2 * p].type, to: keyType)
                    guard !k.isNull else { throw runtimeError("map keys cannot be NULL") }
                    if let j = keys.firstIndex(of: k) {
                        values[j] = try Cast.convert(args[2 * p + 1].value(at: i), from: args[2 * p + 1].type, to: valueType)
                    } else {
                        keys.append(k)
                        values.append(try Cast.convert(args[2 * p + 1].value(at: i), from: args[2 * p + 1].type, to: valueType))
                    }
                }
                b.append(.map(keys: keys, values: values))
            }
            return b.finish()
        }
    }

    /// ROW(…) / struct_pack(…) / {'a': …}.
    static func structConstructor(_ fields: [Field]) -> BoundFunction {
        BoundFunction(name: "struct_pack", returnType: .structure(fields)) { args, count in
            var b = ColumnBuilder(type: .structure(fields), capacity: count)
            for i in 0..<count { b.append(.structure(args.map { $0.value(at: i) })) }
            return b.finish()
        }
    }

    static func fieldAccess(_ index: Int, _ type: DataType) -> BoundFunction {
        BoundFunction(name: "struct_extract_\(index)", returnType: type) { args, count in
            var b = ColumnBuilder(type: type, capacity: count)
            for i in 0..<count {
                if case .structure(let items) = args[0].value(at: i), index < items.count { b.append(items[index]) } else { b.appendNull() }
            }
            return b.finish()
        }
    }
}
