#pragma once

#include <QByteArray>
#include <QString>

namespace paddock {

// 1-based line and column (in characters) of a byte offset into UTF-8 text.
struct TextPosition
{
    int line = 1;
    int column = 1;

    static TextPosition at(const QByteArray &utf8, qsizetype offset)
    {
        TextPosition pos;
        offset = qBound<qsizetype>(0, offset, utf8.size());
        for (qsizetype i = 0; i < offset; ++i) {
            const auto c = static_cast<unsigned char>(utf8[i]);
            if (c == '\n') {
                ++pos.line;
                pos.column = 1;
            } else if ((c & 0xC0) != 0x80) { // count characters, not UTF-8 continuation bytes
                ++pos.column;
            }
        }
        return pos;
    }

    QString format(const QString &file) const
    {
        return file + QLatin1Char(':') + QString::number(line) + QLatin1Char(':') + QString::number(column);
    }
};

} // namespace paddock
