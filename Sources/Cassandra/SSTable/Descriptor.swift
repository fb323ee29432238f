/// The identity of one SSTable: folder, version, generation and format, as encoded in its
/// file names (`<version>-<generation>-<format>-<Component>`). Follows `io.sstable.Descriptor`.
public struct Descriptor: Sendable, Hashable, CustomStringConvertible {
    public let directory: String
    public let version: FormatVersion
    public let generation: String
    public let formatName: String

    /// The name shared by every component: e.g. `mc-1-big`.
    public var baseName: String { "\(version.letters)-\(generation)-\(formatName)" }
    public var description: String { baseName }

    public func path(_ component: String) -> String {
        (directory.isEmpty ? "" : directory + "/") + baseName + "-" + component
    }

    /// Parses a component file name, e.g. `nb-12-big-Data.db`; returns the descriptor and
    /// the component. Throws for names that are SSTable components of unsupported formats.
    public static func parse(fileName: String, directory: String) throws -> (Descriptor, String)? {
        let parts = fileName.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let path = (directory.isEmpty ? "" : directory + "/") + fileName
        // 2.x names: <ks>-<table>-<version>-<generation>-<Component>
        if parts.count == 5, ["ka", "jb", "ja", "ic", "hf"].contains(parts[2]) {
            _ = try FormatVersion(letters: parts[2], family: .big, file: path)
        }
        guard parts.count >= 4 else { return nil }
        let component = parts[3...].joined(separator: "-")
        let formatName = parts[2]
        let family: FormatVersion.Family
        switch formatName {
        case "big": family = .big
        case "bti": family = .bti
        default: return nil
        }
        let version = try FormatVersion(letters: parts[0], family: family, file: path)
        return (Descriptor(directory: directory, version: version, generation: parts[1], formatName: formatName), component)
    }
}
