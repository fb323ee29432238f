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
        // MAP(keys, values): two lists of one length, keys unique and not NULL (DuckDB's rules).
        r.register("map") { t in
            guard t.count == 2, case .list(let k) = t[0], case .list(let v) = t[1] else { return nil }
            return MoreBuiltins.strict("map", returns: .map(k, v)) { a in
                guard case .list(let keys) = a[0], case .list(let values) = a[1] else { return .null }
                guard keys.count == values.count else {
                    throw runtimeError("MAP has \(keys.count) keys and \(values.count) values")
                }
                var seen = Set<Value>()
                for key in keys {
                    guard !key.isNull else { throw runtimeError("map keys cannot be NULL") }
                    guard seen.insert(ValueOrder.hashKey(key)).inserted else { throw runtimeError("map key \(ValueText.render(key)) appears twice") }
                }
                return .map(keys: keys, values: values)
            }
        }
        // list[lo:hi] and string[lo:hi]: 1-based, both ends included, negative from the end,
        // a missing end the whole side, clamped to the value.
        for name in ["list_slice", "array_slice"] {
            r.register(name) { t in
                guard t.count == 3, t[1].isInteger || t[1] == .null, t[2].isInteger || t[2] == .null else { return nil }
                switch t[0] {
                case .list, .varchar, .blob: break
                default: return nil
                }
                let type = t[0]
                return BoundFunction(name: name, returnType: type) { args, count in
                    var b = ColumnBuilder(type: type, capacity: count)
                    for i in 0..<count {
                        let v = args[0].value(at: i)
                        let lo = args[1].value(at: i), hi = args[2].value(at: i)
                        func range(_ n: Int) -> Range<Int> {
                            func position(_ x: Value, default d: Int) -> Int {
                                guard case .int(let k) = x else { return d }
                                let p = k < 0 ? n + Int(k) + 1 : Int(k)
                                return Swift.min(Swift.max(p, 1), n + 1)
                            }
                            let first = position(lo, default: 1)
                            var last = position(hi, default: n)
                            if case .int(let k) = hi, k < 0, n + Int(k) + 1 < 1 { last = 0 }
                            last = Swift.min(last, n)
                            return first <= last ? (first - 1)..<last : 0..<0
                        }
                        switch v {
                        case .list(let items): b.append(.list(Array(items[range(items.count)])))
                        case .string(let s):
                            let chars = Array(s)
                            b.append(.string(String(chars[range(chars.count)])))
                        case .blob(let bytes): b.append(.blob(Array(bytes[range(bytes.count)])))
                        default: b.appendNull()
                        }
                    }
                    return b.finish()
                }
            }
        }
        r.register("map_entries") { t in
            guard t.count == 1, case .map(let k, let v) = t[0] else { return nil }
            let entry = DataType.structure([Field("key", k), Field("value", v)])
            return MoreBuiltins.strict("map_entries", returns: .list(entry)) { a in
                guard case .map(let keys, let values) = a[0] else { return .null }
                return .list(zip(keys, values).map { .structure([$0, $1]) })
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
        BoundFunction(name: "struct_pack(" + fields.map(\.name).joined(separator: ",") + ")", returnType: .structure(fields)) { args, count in
            var b = ColumnBuilder(type: .structure(fields), capacity: count)
            for i in 0..<count { b.append(.structure(args.map { $0.value(at: i) })) }
            return b.finish()
        }
    }

    static func fieldAccess(_ index: Int, _ type: DataType) -> BoundFunction {
        BoundFunction(name: "struct_extract_\(index)", returnType: type) { args, count in
            // A struct column holds its fields as columns: the field is that column, null
            // where the struct is (no value built per row).
            if case .structure(let children) = args[0].data, index < children.count, children[index].type == type, children[index].count == count {
                let child = children[index]
                guard let parent = args[0].validity else { return child }
                let validity = child.validity.map { $0 & parent } ?? parent
                return Column(type: type, count: count, validity: validity, data: child.data)
            }
            var b = ColumnBuilder(type: type, capacity: count)
            for i in 0..<count {
                if case .structure(let items) = args[0].value(at: i), index < items.count { b.append(items[index]) } else { b.appendNull() }
            }
            return b.finish()
        }
    }
}
