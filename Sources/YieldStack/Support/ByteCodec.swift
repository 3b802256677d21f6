import Foundation

/// A compact, exact binary form for engine results that travel between
/// processes (a shard's state, read back by `merge`): doubles as their IEEE
/// bit patterns (little-endian), so every value returns bit for bit;
/// integers as 64-bit; strings as UTF-8 with a length. Not a file format
/// for users: a shard database and its merge are made by one version.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// A writer with room for `capacity` bytes, so that a large blob is not
    /// copied as it grows.
    public init(reservingCapacity capacity: Int) { bytes.reserveCapacity(capacity) }

    public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    public mutating func double(_ v: Double) { u64(v.bitPattern) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        int(utf8.count)
        bytes.append(contentsOf: utf8)
    }
    public mutating func optionalDouble(_ v: Double?) {
        bool(v != nil)
        if let v { double(v) }
    }
    public mutating func optionalInt(_ v: Int?) {
        bool(v != nil)
        if let v { int(v) }
    }
    public mutating func optionalString(_ v: String?) {
        bool(v != nil)
        if let v { string(v) }
    }
    public mutating func doubles(_ xs: [Double]) {
        int(xs.count)
        bytes.reserveCapacity(bytes.count + 8 * xs.count)
        for x in xs { double(x) }
    }
    public mutating func ints(_ xs: [Int]) {
        int(xs.count)
        for x in xs { int(x) }
    }
}

/// Reads what `ByteWriter` wrote; every read checks the length, so a
/// truncated or foreign blob is an error, never a crash.
public struct ByteReader {
    public struct Truncated: Error, Sendable, CustomStringConvertible {
        public var description: String { "the stored shard state is truncated or not from this version of yieldstack" }
    }

    let bytes: [UInt8]
    var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var atEnd: Bool { offset == bytes.count }

    public mutating func u64() throws(Truncated) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw Truncated() }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }
    public mutating func int() throws(Truncated) -> Int { Int(Int64(bitPattern: try u64())) }
    public mutating func double() throws(Truncated) -> Double { Double(bitPattern: try u64()) }
    public mutating func bool() throws(Truncated) -> Bool {
        guard offset < bytes.count else { throw Truncated() }
        offset += 1
        return bytes[offset - 1] != 0
    }
    /// A length, checked against what is left so that a corrupt one cannot ask for memory it will not fill.
    mutating func count(_ width: Int) throws(Truncated) -> Int {
        let n = try int()
        guard n >= 0, n <= (bytes.count - offset) / max(width, 1) else { throw Truncated() }
        return n
    }
    public mutating func string() throws(Truncated) -> String {
        let n = try count(1)
        let s = String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
        offset += n
        return s
    }
    public mutating func optionalDouble() throws(Truncated) -> Double? { try bool() ? try double() : nil }
    public mutating func optionalInt() throws(Truncated) -> Int? { try bool() ? try int() : nil }
    public mutating func optionalString() throws(Truncated) -> String? { try bool() ? try string() : nil }
    public mutating func doubles() throws(Truncated) -> [Double] {
        let n = try count(8)
        var out = [Double]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try double()) }
        return out
    }
    public mutating func ints() throws(Truncated) -> [Int] {
        let n = try count(8)
        var out = [Int]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try int()) }
        return out
    }
}
