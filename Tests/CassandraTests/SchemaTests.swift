@testable import Cassandra
import Testing

/// Types named by marshal classes and by CQL, and the orderings Cassandra sorts values by.
@Suite("Schema and types")
struct SchemaTests {
    @Test(arguments: [
        "org.apache.cassandra.db.marshal.Int32Type",
        "org.apache.cassandra.db.marshal.ReversedType(org.apache.cassandra.db.marshal.TimestampType)",
        "org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.Int32Type,org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.UTF8Type)))",
        "org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.SetType(org.apache.cassandra.db.marshal.TupleType(org.apache.cassandra.db.marshal.Int32Type,org.apache.cassandra.db.marshal.UTF8Type)))",
        "org.apache.cassandra.db.marshal.UserType(ks,7574,6d795f696e74:org.apache.cassandra.db.marshal.Int32Type,6d795f74657874:org.apache.cassandra.db.marshal.UTF8Type)",
        "org.apache.cassandra.db.marshal.CompositeType(org.apache.cassandra.db.marshal.UUIDType,org.apache.cassandra.db.marshal.UTF8Type)",
        "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType,3)",
    ])
    func marshalNamesRoundTrip(_ name: String) throws {
        #expect(try MarshalTypeParser.parse(name).marshalName == name)
    }

    @Test func marshalTypesCarryFrozennessAndUDTNames() throws {
        let udt = try MarshalTypeParser.parse("org.apache.cassandra.db.marshal.UserType(ks,7574,6d795f696e74:org.apache.cassandra.db.marshal.Int32Type)")
        guard case .udt(let d, let frozen) = udt else { Issue.record("not a UDT: \(udt)"); return }
        #expect(d.name == "ut" && d.fieldNames == ["my_int"] && !frozen)
        #expect(udt.isMultiCell)
        #expect(try !MarshalTypeParser.parse("org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.Int32Type))").isMultiCell)
        #expect(try MarshalTypeParser.parse("org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.Int32Type)").isMultiCell)
        #expect(throws: MarshalTypeParser.ParseError.self) { try MarshalTypeParser.parse("org.apache.cassandra.db.marshal.ListType(") }
        #expect(try MarshalTypeParser.parse("com.example.MyType") == .custom("com.example.MyType"))
    }

    @Test func fixedLengthsFollowCassandra() {
        // smallint, tinyint, date and time carry a length in cells and clusterings.
        #expect(CQLType.int.fixedLength == 4 && CQLType.bigint.fixedLength == 8 && CQLType.uuid.fixedLength == 16)
        #expect(CQLType.smallint.fixedLength == nil && CQLType.tinyint.fixedLength == nil)
        #expect(CQLType.date.fixedLength == nil && CQLType.time.fixedLength == nil && CQLType.counter.fixedLength == nil)
        #expect(CQLType.reversed(.timestamp).fixedLength == 8)
        #expect(CQLType.vector(.float, dimension: 3).fixedLength == 12 && CQLType.vector(.text, dimension: 3).fixedLength == nil)
    }

    @Test func createTableWithEverything() throws {
        let cql = """
        CREATE TYPE IF NOT EXISTS ks.address (street text, "Zip" int);
        -- a comment
        CREATE TABLE ks.t (
            a int, b text, c timeuuid, d int STATIC,
            e frozen<address>, f map<text, frozen<list<int>>>, g vector<float, 3>, h tuple<int, text>, i address,
            PRIMARY KEY ((a, b), c)
        ) WITH CLUSTERING ORDER BY (c DESC) AND compaction = {'class': 'LeveledCompactionStrategy'} AND gc_grace_seconds = 10;
        """
        let t = try CQLSchemaParser.parse(cql)[0]
        #expect(t.keyspace == "ks" && t.name == "t")
        #expect(t.partitionKey.map(\.name) == ["a", "b"])
        #expect(t.clustering.map(\.type) == [.reversed(.timeuuid)])
        #expect(t.staticColumns.map(\.name) == ["d"])
        #expect(t.displayOrder == ["a", "b", "c", "d", "e", "f", "g", "h", "i"])
        let byName = Dictionary(uniqueKeysWithValues: t.regularColumns.map { ($0.name, $0.type) })
        #expect(byName["e"]?.isMultiCell == false)
        #expect(byName["f"] == .map(.text, .list(.int, frozen: true), frozen: false))
        #expect(byName["g"] == .vector(.float, dimension: 3))
        #expect(byName["i"]?.isMultiCell == true)
        guard case .udt(let d, _)? = byName["e"] else { Issue.record("e is not a UDT"); return }
        #expect(d.fieldNames == ["street", "Zip"])
    }

    @Test func compactStorageWithoutClusteringIsStaticCompact() throws {
        let t = try CQLSchemaParser.parse("CREATE TABLE t (pk text PRIMARY KEY, val text) WITH COMPACT STORAGE")[0]
        #expect(t.isStaticCompact)
        let u = try CQLSchemaParser.parse("CREATE TABLE t (pk text, ck int, val text, PRIMARY KEY (pk, ck)) WITH COMPACT STORAGE")[0]
        #expect(!u.isStaticCompact)
    }

    @Test func cqlErrorsPointAtLineAndColumn() {
        do {
            _ = try CQLSchemaParser.parse("CREATE TABLE t (\n  a int,\n  b nosuchtype,\n  PRIMARY KEY (a))")
            Issue.record("no error")
        } catch let e as CQLSchemaParser.ParseError {
            #expect(e.line == 3 && e.column == 5, "\(e)")
            #expect(e.message.contains("nosuchtype"))
        } catch {
            Issue.record("\(error)")
        }
        #expect(throws: CQLSchemaParser.ParseError.self) { try CQLSchemaParser.parse("CREATE TABLE t (a int)") }
        #expect(throws: CQLSchemaParser.ParseError.self) { try CQLSchemaParser.parse("CREATE TABLE t (a int PRIMARY KEY, b text") }
    }

    @Test func headerColumnsSortInCassandrasRowOrder() {
        // Simple before complex, then by name bytes, whatever order the header listed them in.
        let cols = [ColumnDefinition(name: "z", type: .int, kind: .regular), ColumnDefinition(name: "m", type: .list(.int, frozen: false), kind: .regular),
                    ColumnDefinition(name: "a", type: .set(.int, frozen: false), kind: .regular), ColumnDefinition(name: "b", type: .text, kind: .regular)]
        #expect(cols.sorted(by: ColumnDefinition.rowOrder).map(\.name) == ["b", "z", "a", "m"])
    }

    static func cmp(_ a: [UInt8], _ b: [UInt8], _ t: CQLType) -> Int { ValueComparator.compare(a, b, as: t) }

    @Test func orderingsFollowCassandrasTypes() {
        let i = { (v: Int32) in CQLLiteral.bigEndian(v) }
        #expect(Self.cmp(i(-1), i(1), .int) < 0)
        #expect(Self.cmp(i(-1), i(1), .reversed(.int)) > 0)
        #expect(Self.cmp([], i(1), .reversed(.int)) < 0, "empty sorts first even reversed")
        #expect(Self.cmp([0xff], [0x00, 0x80], .varint) < 0)
        #expect(Self.cmp([0x01, 0x00], [0x7f], .varint) > 0)
        #expect(Self.cmp([0xff, 0x00], [0xff], .varint) < 0) // -256 < -1
        #expect(Self.cmp(Array("b".utf8), Array("ab".utf8), .text) > 0)
        // timeuuids order by their timestamp, not their bytes: time_low is the least significant.
        let early = CQLLiteral.hexBytes("ffffffff00001000800000000000000a")!
        let late = CQLLiteral.hexBytes("0000000000011000800000000000000a")!
        #expect(Self.cmp(early, late, .timeuuid) < 0)
        #expect(Self.cmp(early, late, .blob) > 0)
        // uuids of different versions order by version first.
        let v4 = CQLLiteral.hexBytes("00000000000040008000000000000000")!
        #expect(Self.cmp(late, v4, .uuid) < 0)
        let f = { (v: Float) in CQLLiteral.bigEndian(v.bitPattern) }
        #expect(Self.cmp(f(-0.0), f(0.0), .float) < 0)
        #expect(Self.cmp(f(.nan), f(.infinity), .float) > 0)
    }

    @Test func boundsOrderAroundTheirClustering() {
        let c = ClusteringComparator(types: [.int, .int])
        let one: ClusteringValues = [CQLLiteral.bigEndian(Int32(1))[...]]
        let oneTwo: ClusteringValues = one + [CQLLiteral.bigEndian(Int32(2))[...]]
        #expect(c.compare(one, .inclusiveStart, oneTwo, .clustering) < 0)
        #expect(c.compare(one, .exclusiveStart, oneTwo, .clustering) > 0)
        #expect(c.compare(one, .inclusiveEnd, oneTwo, .clustering) > 0)
        #expect(c.compare(one, .exclusiveEnd, oneTwo, .clustering) < 0)
        #expect(c.compare(oneTwo, .inclusiveStart, oneTwo, .clustering) < 0)
        #expect(c.compare([], .inclusiveEnd, oneTwo, .clustering) > 0)
        #expect(c.compare([], .staticClustering, [], .inclusiveStart) < 0)
    }

    @Test func keyLiteralsEncode() throws {
        #expect(try CQLLiteral.encode("42", as: .int) == [0, 0, 0, 42])
        #expect(try CQLLiteral.encode("'it''s'", as: .text) == Array("it's".utf8))
        #expect(try CQLLiteral.encode("01234567-0123-0123-0123-0123456789ab", as: .uuid).count == 16)
        #expect(try CQLLiteral.encode("2017-05-05", as: .date) == [128, 0, 67, 139])
        #expect(try CQLLiteral.encode("2015-05-01T09:30:54.234Z", as: .timestamp) == [0, 0, 1, 77, 14, 208, 125, 154])
        #expect(throws: CQLLiteral.LiteralError.self) { try CQLLiteral.encode("x", as: .int) }
        // Through the one value codec: types the literal parser once refused.
        #expect(try CQLLiteral.encode("-129", as: .varint) == [0xFF, 0x7F])
        #expect(try CQLLiteral.encode("12.340", as: .decimal) == [0, 0, 0, 3, 0x30, 0x34])
        #expect(try CQLLiteral.encode("::1", as: .inet) == [UInt8](repeating: 0, count: 15) + [1])
        #expect(try CQLLiteral.encode("TRUE", as: .boolean) == [1])
        #expect(throws: CQLLiteral.LiteralError.self) { try CQLLiteral.encode("300", as: .tinyint) }
        #expect(throws: CQLLiteral.LiteralError.self) { try CQLLiteral.encode("[1]", as: .list(.int, frozen: true)) }
        #expect(CQLLiteral.unsignedMagnitude("256", bytes: 2) == [1, 0])
        #expect(CQLLiteral.unsignedMagnitude("65536", bytes: 2) == nil)
    }
}
