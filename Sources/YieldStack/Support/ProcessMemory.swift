import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Peak resident memory, for `yieldstack bench`: how much memory a run
/// takes matters as much as how long, since the path count a machine can
/// afford is bounded by it. The kernel keeps the high-water mark; this reads
/// it and converts it to bytes, whose unit differs between systems.
public enum ProcessMemory {
    /// Bytes in one MiB, the unit peak memory is reported in.
    public static let bytesPerMebibyte = 1_048_576

    /// The largest resident set size this process has had so far, in bytes
    /// (`getrusage(RUSAGE_SELF)`'s `ru_maxrss`); nil if the call fails.
    public static func peakResidentBytes() -> Int? {
        var usage = rusage()
        #if canImport(Glibc)
        let who = RUSAGE_SELF.rawValue  // an enum in glibc's GNU headers
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return nil }
        return bytes(maxRSS: Int(usage.ru_maxrss))
    }

    /// `ru_maxrss` (from `getrusage` or `wait4`) in bytes: the field is in
    /// KiB on Linux but in bytes on macOS, so every reader converts here.
    public static func bytes(maxRSS: Int) -> Int {
        #if os(Linux)
        return maxRSS * 1024
        #else
        return maxRSS
        #endif
    }

    /// Bytes as MiB, the unit the bench tables print.
    public static func mebibytes(_ bytes: Int) -> Double {
        Double(bytes) / Double(bytesPerMebibyte)
    }
}
