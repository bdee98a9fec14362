#include "policy/Source.h"

#include <algorithm>

namespace paddock::cedar {

size_t editDistance(const std::string &a, const std::string &b)
{
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string formatDiagnostic(const Diagnostic &d, const std::string &source, const std::string &fileName)
{
    std::string out = fileName + ':' + std::to_string(d.span.line) + ':' + std::to_string(d.span.column) +
                      ": " + (d.severity == Diagnostic::Severity::Error ? "error: " : "warning: ") +
                      d.message + '\n';
    const size_t start = std::min<size_t>(d.span.offset, source.size());
    size_t lineStart = source.rfind('\n', start == 0 ? 0 : start - 1);
    lineStart = (lineStart == std::string::npos || start == 0) ? 0 : lineStart + 1;
    if (start > 0 && source[start - 1] == '\n')
        lineStart = start;
    size_t lineEnd = source.find('\n', start);
    if (lineEnd == std::string::npos)
        lineEnd = source.size();
    const std::string line = source.substr(lineStart, lineEnd - lineStart);
    out += "  " + line + '\n';
    // Columns count characters; tabs keep their width by being copied into the caret line.
    std::string pad;
    for (size_t i = lineStart; i < start; ++i) {
        const auto c = static_cast<unsigned char>(source[i]);
        if ((c & 0xC0) == 0x80)
            continue;
        pad += c == '\t' ? '\t' : ' ';
    }
    size_t width = 0;
    for (size_t i = start; i < std::min<size_t>(start + d.span.length, lineEnd); ++i)
        if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80)
            ++width;
    out += "  " + pad + std::string(std::max<size_t>(width, 1), '^') + '\n';
    if (!d.help.empty())
        out += "  help: " + d.help + '\n';
    return out;
}

} // namespace paddock::cedar
