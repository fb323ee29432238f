import Columnar
import Engine
import SQL

/// The Time-Series abstraction's functions (data-models.md §2.3), for connectors written in
/// SQL. `ts_events((SELECT k1, …, event_item_key, event_item_value, write_ts, problem …))`
/// turns event items into events: consecutive rows with equal key columns (the slice,
/// partition, event_time and event_id) are one event, its items a map by item key. Rows come
/// in their tables' order — a partition's rows by clustering (event_time, event_id,
/// event_item_key) — so an event's items are adjacent and one event is held at a time,
/// however wide the partition.
public enum TimeSeriesFunctions {
    public static func register(into registry: FunctionRegistry) {
        registry.register(TableFunction("ts_events", arguments: [], takesInput: true,
            schema: { _, input in try eventSchema(input) },
            rows: { _, input in EventStream(input!) }))
    }

    /// The key columns, then items MAP(VARCHAR, BLOB), item_count, write_ts (the newest of
    /// the items'), problem (the first item's problem, or a duplicate item key).
    static func eventSchema(_ input: [Field]?) throws -> [Field] {
        guard let input, input.count >= 5, input[input.count - 4].type == .varchar, input[input.count - 3].type == .blob,
              input[input.count - 2].type == .timestamp, input[input.count - 1].type == .varchar || input[input.count - 1].type == .null else {
            throw SQLError(.binder, "ts_events reads (event key columns…, event_item_key VARCHAR, event_item_value BLOB, write_ts TIMESTAMP, problem VARCHAR) rows")
        }
        return input.dropLast(4).map { Field($0.name, $0.type) }
            + [Field("items", .map(.varchar, .blob)), Field("item_count", .integer), Field("write_ts", .timestamp), Field("problem", .varchar)]
    }
}

final class EventStream: BatchStream {
    let input: BatchStream
    private var keyCount = 0
    private var types: [DataType] = []
    private struct Event {
        var key: [Value]
        var itemKeys: [Value] = []
        var itemValues: [Value] = []
        /// The keys so far once the event is wide, so that a repeated one is found without
        /// scanning every key (most events have a few items: a scan, and no set, for those).
        var seen: Set<Value>?

        mutating func isNew(_ key: Value) -> Bool {
            if seen == nil && itemKeys.count < 8 { return !itemKeys.contains(key) }
            if seen == nil { seen = Set(itemKeys) }
            return seen!.insert(key).inserted
        }
        var writeTime = Int64.min
        var problem: String?
    }
    private var current: Event?
    private var pending: Batch?
    private var row = 0
    private var done = false

    init(_ input: BatchStream) { self.input = input }

    func next() throws -> Batch? {
        guard !done else { return nil }
        var builders: [ColumnBuilder] = []
        var events = 0
        func emit() {
            guard let e = current else { return }
            current = nil
            if builders.isEmpty { builders = types.map { ColumnBuilder(type: $0) } }
            for (i, v) in e.key.enumerated() { builders[i].append(v) }
            builders[keyCount].append(.map(keys: e.itemKeys, values: e.itemValues))
            builders[keyCount + 1].append(.int(Int64(e.itemKeys.count)))
            builders[keyCount + 2].append(e.writeTime == .min ? .null : .timestamp(e.writeTime))
            builders[keyCount + 3].append(e.problem.map { .string($0) } ?? .null)
            events += 1
        }
        // A batch of at most Batch.capacity events: the input batch being read is kept
        // with the row to go on from.
        while events < Batch.capacity {
            if pending == nil || row >= pending!.count {
                guard let b = try input.next() else {
                    emit()
                    done = true
                    break
                }
                pending = b
                row = 0
                if types.isEmpty {
                    keyCount = b.columns.count - 4
                    types = try TimeSeriesFunctions.eventSchema(b.columns.enumerated().map { Field("c\($0.offset)", $0.element.type) }).map(\.type)
                }
                continue
            }
            let b = pending!
            while row < b.count && events < Batch.capacity {
                let r = row
                let key = (0..<keyCount).map { b.columns[$0].value(at: r) }
                if let c = current, c.key != key { emit() }
                if current == nil { current = Event(key: key) }
                let itemKey = b.columns[keyCount].value(at: r)
                if !current!.isNew(itemKey), current!.problem == nil {
                    current!.problem = "item \(ValueText.render(itemKey)) appears twice in the event"
                }
                current!.itemKeys.append(itemKey)
                current!.itemValues.append(b.columns[keyCount + 1].value(at: r))
                if case .timestamp(let t) = b.columns[keyCount + 2].value(at: r) { current!.writeTime = max(current!.writeTime, t) }
                if current!.problem == nil, case .string(let p) = b.columns[keyCount + 3].value(at: r) {
                    current!.problem = "item \(ValueText.render(itemKey)): \(p)"
                }
                row += 1
            }
        }
        guard events > 0 else { return nil }
        return Batch(columns: builders.map { $0.finish() }, count: events)
    }
}
