/// Values over (day, path) stored day-major, so that the engine, which steps
/// one day for all paths of a layer at a time, reads contiguous memory.
/// A constant or a historical series is stored once and read through zero
/// strides, so a path-independent input costs no memory per path.
public struct DailyGrid: Sendable {
    public private(set) var storage: [Double]
    public let days: Int
    public let paths: Int
    let dayStride: Int
    let pathStride: Int

    /// The same value every day on every path.
    public init(constant value: Double, days: Int, paths: Int) {
        storage = [value]
        self.days = days
        self.paths = paths
        dayStride = 0
        pathStride = 0
    }

    /// One value a day, shared by every path.
    public init(perDay values: [Double], paths: Int) {
        precondition(!values.isEmpty)
        storage = values
        days = values.count
        self.paths = paths
        dayStride = 1
        pathStride = 0
    }

    /// A value for every day and path, `values[d * paths + p]`.
    public init(perPath values: [Double], days: Int, paths: Int) {
        precondition(values.count == days * paths)
        storage = values
        self.days = days
        self.paths = paths
        dayStride = paths
        pathStride = 1
    }

    public var isPathDependent: Bool { pathStride != 0 }
    public var isConstant: Bool { dayStride == 0 && pathStride == 0 }

    @inline(__always)
    public subscript(day: Int, path: Int) -> Double {
        storage[day * dayStride + path * pathStride]
    }

    /// Expands to a full day-major array (for transformations that make a
    /// shared series path-dependent).
    public func materialized() -> [Double] {
        var out = [Double](repeating: 0, count: days * paths)
        for d in 0..<days {
            for p in 0..<paths { out[d * paths + p] = self[d, p] }
        }
        return out
    }

    /// Expands a constant to one value a day (for day-dependent overrides).
    public func perDayValues() -> [Double]? {
        guard !isPathDependent else { return nil }
        return (0..<days).map { self[$0, 0] }
    }

    /// Applies `f(day, value)` to days in `range`, keeping the cheapest layout.
    public func mapping(days range: Range<Int>, _ f: (Int, Double) -> Double) -> DailyGrid {
        if var perDay = perDayValues() {
            for d in range where d < days { perDay[d] = f(d, perDay[d]) }
            return DailyGrid(perDay: perDay, paths: paths)
        }
        var values = storage
        for d in range where d < days {
            for p in 0..<paths { values[d * paths + p] = f(d, values[d * paths + p]) }
        }
        return DailyGrid(perPath: values, days: days, paths: paths)
    }

    /// Element-wise product, in the cheapest layout the operands allow.
    public static func * (a: DailyGrid, b: DailyGrid) -> DailyGrid {
        precondition(a.days == b.days && a.paths == b.paths)
        if a.isConstant, b.isConstant { return DailyGrid(constant: a.storage[0] * b.storage[0], days: a.days, paths: a.paths) }
        if !a.isPathDependent, !b.isPathDependent {
            return DailyGrid(perDay: (0..<a.days).map { a[$0, 0] * b[$0, 0] }, paths: a.paths)
        }
        var out = [Double](repeating: 0, count: a.days * a.paths)
        for d in 0..<a.days {
            for p in 0..<a.paths { out[d * a.paths + p] = a[d, p] * b[d, p] }
        }
        return DailyGrid(perPath: out, days: a.days, paths: a.paths)
    }
}
