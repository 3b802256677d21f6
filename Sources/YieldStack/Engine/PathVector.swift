/// One number per path of a chunk: a column of the engine's
/// structure-of-arrays state. It is a view into memory owned by a
/// `PathArena`; reading and writing it costs a pointer access, with no
/// copy-on-write or exclusivity bookkeeping in the engine's inner loops.
/// Valid only while its arena lives (the arena belongs to one strategy run
/// on one thread).
public struct PathVector: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Double>
    public let count: Int

    init(base: UnsafeMutablePointer<Double>, count: Int) {
        self.base = base
        self.count = count
    }

    @inlinable
    public subscript(p: Int) -> Double {
        get {
            assert(p >= 0 && p < count, "path index out of range")
            return base[p]
        }
        nonmutating set {
            assert(p >= 0 && p < count, "path index out of range")
            base[p] = newValue
        }
    }

    public func fill(_ value: Double) {
        base.update(repeating: value, count: count)
    }

    public func copy(from other: PathVector) {
        precondition(other.count == count)
        base.update(from: other.base, count: count)
    }

    public var values: [Double] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// Owns the memory of a strategy run's `PathVector`s and frees it at once.
public final class PathArena: @unchecked Sendable {
    private var blocks: [UnsafeMutableRawPointer] = []
    public let count: Int

    public init(count: Int) {
        self.count = count
    }

    private func allocate() -> UnsafeMutableRawPointer {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 8)
        blocks.append(raw)
        return raw
    }

    /// A new column, every path set to `value`.
    public func vector(_ value: Double = 0) -> PathVector {
        let p = allocate().initializeMemory(as: Double.self, repeating: value, count: max(count, 1))
        return PathVector(base: p, count: count)
    }

    /// A new integer column (days, flags), every path set to `value`.
    public func intVector(_ value: Int) -> PathIntVector {
        let p = allocate().initializeMemory(as: Int.self, repeating: value, count: max(count, 1))
        return PathIntVector(storage: p, count: count)
    }

    deinit {
        for b in blocks { b.deallocate() }
    }
}

/// Per-path integers (days, flags) kept beside `PathVector`s.
public struct PathIntVector: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutablePointer<Int>
    public let count: Int

    @inlinable
    public subscript(p: Int) -> Int {
        get { storage[p] }
        nonmutating set { storage[p] = newValue }
    }
}

