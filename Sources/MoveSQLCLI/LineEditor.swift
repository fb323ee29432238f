#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Line editing at the prompt when stdin is a terminal: ← → Home End (and Ctrl-A/E) move,
/// ↑ ↓ recall earlier statements, Backspace/Delete, Ctrl-U/K cut to the start/end, Ctrl-C
/// drops the line, Ctrl-D on an empty line ends input. The terminal is in raw mode only while
/// a line is read.
struct LineEditor {
    private(set) var history: [String]
    private var original = termios()

    init(history: [String]) { self.history = history }

    mutating func remember(_ entry: String) {
        if entry.isEmpty || history.last == entry { return }
        history.append(entry)
    }

    /// One line, or nil at the end of input.
    mutating func readLine(prompt: String) -> String? {
        guard tcgetattr(0, &original) == 0 else { return Swift.readLine(strippingNewline: true) }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(0, TCSAFLUSH, &raw)
        defer { tcsetattr(0, TCSAFLUSH, &original) }

        var line: [Unicode.Scalar] = []
        var cursor = 0
        var recalled = history.count
        var draft: [Unicode.Scalar] = []
        func redraw() {
            let text = String(String.UnicodeScalarView(line))
            var out = "\r" + prompt + text + "\u{1B}[K"
            let back = line.count - cursor
            if back > 0 { out += "\u{1B}[\(back)D" }
            write(out)
        }
        func recall(_ index: Int) {
            if recalled == history.count { draft = line }
            recalled = index
            line = index == history.count ? draft : Array(history[index].unicodeScalars)
            cursor = line.count
            redraw()
        }
        write(prompt)
        while true {
            guard let byte = readByte() else { return line.isEmpty ? nil : String(String.UnicodeScalarView(line)) }
            switch byte {
            case 0x0D, 0x0A:
                write("\r\n")
                return String(String.UnicodeScalarView(line))
            case 0x03: // Ctrl-C: drop the line.
                write("^C\r\n")
                return ""
            case 0x04: // Ctrl-D: end of input on an empty line, else delete.
                if line.isEmpty { write("\r\n"); return nil }
                if cursor < line.count { line.remove(at: cursor); redraw() }
            case 0x7F, 0x08:
                if cursor > 0 { cursor -= 1; line.remove(at: cursor); redraw() }
            case 0x01: cursor = 0; redraw()
            case 0x05: cursor = line.count; redraw()
            case 0x15: line.removeFirst(cursor); cursor = 0; redraw()
            case 0x0B: line.removeLast(line.count - cursor); redraw()
            case 0x0C: write("\u{1B}[H\u{1B}[2J"); redraw()
            case 0x1B:
                guard let b1 = readByte() else { continue }
                guard b1 == UInt8(ascii: "[") || b1 == UInt8(ascii: "O"), let b2 = readByte() else { continue }
                switch b2 {
                case UInt8(ascii: "A"): if recalled > 0 { recall(recalled - 1) }
                case UInt8(ascii: "B"): if recalled < history.count { recall(recalled + 1) }
                case UInt8(ascii: "C"): if cursor < line.count { cursor += 1; redraw() }
                case UInt8(ascii: "D"): if cursor > 0 { cursor -= 1; redraw() }
                case UInt8(ascii: "H"): cursor = 0; redraw()
                case UInt8(ascii: "F"): cursor = line.count; redraw()
                case UInt8(ascii: "1")...UInt8(ascii: "8"):
                    // ESC [ n ~: 1/7 Home, 4/8 End, 3 Delete.
                    guard readByte() == UInt8(ascii: "~") else { continue }
                    switch b2 {
                    case UInt8(ascii: "1"), UInt8(ascii: "7"): cursor = 0
                    case UInt8(ascii: "4"), UInt8(ascii: "8"): cursor = line.count
                    case UInt8(ascii: "3"): if cursor < line.count { line.remove(at: cursor) }
                    default: break
                    }
                    redraw()
                default: break
                }
            default:
                guard byte >= 0x20, let scalar = decode(byte) else { continue }
                line.insert(scalar, at: cursor)
                cursor += 1
                redraw()
            }
        }
    }

    /// The rest of a UTF-8 sequence starting with `first`.
    private func decode(_ first: UInt8) -> Unicode.Scalar? {
        var bytes = [first]
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        for _ in 0..<extra { guard let b = readByte() else { return nil }; bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self).unicodeScalars.first
    }

    private func readByte() -> UInt8? {
        var b: UInt8 = 0
        return Glibc.read(0, &b, 1) == 1 ? b : nil
    }

    private func write(_ s: String) {
        var bytes = Array(s.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { return }
            done += n
        }
    }
}
