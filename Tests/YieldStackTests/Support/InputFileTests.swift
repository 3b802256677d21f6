import Foundation
import Testing
@testable import YieldStack
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scenario file and its data files are read only if they are regular
/// files; every other case is refused with a reason and never blocks.
@Suite("Input files: regular files only, UTF-8 text")
struct InputFileTests {
    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func reason(_ path: String, limit: Int = 1_000) -> String? {
        if case .failure(let e) = InputFile.read(path, limit: limit) { return e.reason }
        return nil
    }

    @Test("a regular file is read whole")
    func regular() throws {
        let dir = TestSupport.tempDirectory()
        try write("date,value\n2024-01-01,1\n", to: dir + "/a.csv")
        guard case .success(let bytes) = InputFile.read(dir + "/a.csv", limit: 1_000) else { Issue.record("not read"); return }
        #expect(bytes == Array("date,value\n2024-01-01,1\n".utf8))
    }

    @Test("a FIFO is refused as not a regular file, without blocking")
    func fifo() throws {
        let dir = TestSupport.tempDirectory()
        let path = dir + "/pipe"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(reason(path) == "not a regular file (a device, FIFO or socket)")
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("loaded")
        } catch {
            guard case .unreadable(let p, let r) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == path)
            #expect(r == "not a regular file (a device, FIFO or socket)")
            #expect(RunFailure.scenario(error).exitCode == 74)
        }
    }

    @Test("a device is refused as not a regular file")
    func device() {
        if case .failure(let e) = InputFile.read("/dev/zero", limit: 1_000) {
            #expect(e.kind == .notRegularFile)
        } else {
            Issue.record("/dev/zero was read")
        }
    }

    @Test("a symlink loop, a directory and a missing file each get their reason")
    func reasons() throws {
        let dir = TestSupport.tempDirectory()
        try FileManager.default.createSymbolicLink(atPath: dir + "/a", withDestinationPath: dir + "/b")
        try FileManager.default.createSymbolicLink(atPath: dir + "/b", withDestinationPath: dir + "/a")
        #expect(reason(dir + "/a") == "too many levels of symbolic links")
        #expect(reason(dir) == "is a directory")
        #expect(reason(dir + "/missing.json") == "no such file")
        try write("x", to: dir + "/file")
        #expect(reason(dir + "/file/below") == "no such file (a part of the path is not a directory)")
    }

    @Test("errno values map to their reasons")
    func errnoMapping() {
        #expect(InputFile.failure(EACCES).reason == "permission denied")
        #expect(InputFile.failure(EACCES).kind == .permissionDenied)
        #expect(InputFile.failure(ELOOP).kind == .symlinkLoop)
        #expect(InputFile.failure(ENOENT).kind == .noSuchFile)
    }

    @Test("an unreadable file is refused as permission denied", .enabled(if: geteuid() != 0, "root reads any file"))
    func permissionDenied() throws {
        let dir = TestSupport.tempDirectory()
        try write("{}", to: dir + "/s.json")
        #expect(chmod(dir + "/s.json", 0) == 0)
        #expect(reason(dir + "/s.json") == "permission denied")
    }

    @Test("a file over the limit is refused, by its size or while reading a /proc file that claims size 0")
    func tooLarge() throws {
        let dir = TestSupport.tempDirectory()
        try write("12345678901", to: dir + "/big")
        if case .failure(let e) = InputFile.read(dir + "/big", limit: 10) {
            #expect(e.kind == .tooLarge(size: 11, limit: 10))
        } else {
            Issue.record("read")
        }
        if case .failure(let e) = InputFile.read("/proc/self/maps", limit: 10) {
            #expect(e.kind == .tooLarge(size: nil, limit: 10))
        } else {
            Issue.record("read")
        }
    }

    @Test("a scenario file over 8 MiB is an invalid scenario (exit 65), not read")
    func scenarioTooLarge() throws {
        let dir = TestSupport.tempDirectory()
        let path = dir + "/big.json"
        try write(String(repeating: " ", count: 9 * 1024 * 1024) + "{}", to: path)
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("loaded")
        } catch {
            guard case .invalid(let d) = error else { Issue.record("wrong error \(error)"); return }
            #expect(d.map(\.message) == ["the file is 9437186 bytes; a scenario file may be at most 8 MiB (8388608 bytes)"])
            #expect(RunFailure.scenario(error).exitCode == 65)
        }
    }

    @Test("UTF-8 text: a BOM is dropped; UTF-16, NUL bytes and invalid UTF-8 are refused with a reason")
    func utf8Text() throws {
        #expect(try InputFile.utf8Text([0xEF, 0xBB, 0xBF] + Array("a,b".utf8)).get() == "a,b")
        #expect(try InputFile.utf8Text(Array("é,1".utf8)).get() == "é,1")
        func refusal(_ bytes: [UInt8]) -> String? {
            if case .failure(let n) = InputFile.utf8Text(bytes) { return n.reason }
            return nil
        }
        #expect(refusal([0xFF, 0xFE, 0x61, 0x00]) == "it starts with a UTF-16 byte-order mark; save it as UTF-8")
        #expect(refusal([0x61, 0x00, 0x2C, 0x00]) == "it contains NUL bytes, so it is binary or UTF-16")
        #expect(refusal([0x61, 0xC3, 0x28]) == "it has bytes that are not valid UTF-8")
    }
}
