#include "runtime/Tar.h"

#include <cstring>

namespace paddock::Tar {

namespace {
constexpr qsizetype Block = 512;

void octal(char *field, int width, qint64 value)
{
    // width - 1 digits and a NUL, zero-padded, as every tar reads it.
    const QByteArray digits = QByteArray::number(value, 8).rightJustified(width - 1, '0');
    std::memcpy(field, digits.constData(), size_t(width - 1));
    field[width - 1] = '\0';
}

qint64 readOctal(const char *field, int width)
{
    qint64 v = 0;
    for (int i = 0; i < width && field[i] != '\0' && field[i] != ' '; ++i) {
        if (field[i] < '0' || field[i] > '7')
            return -1;
        v = v * 8 + (field[i] - '0');
    }
    return v;
}

unsigned checksum(const char *block)
{
    unsigned sum = 0;
    for (int i = 0; i < Block; ++i)
        sum += (i >= 148 && i < 156) ? unsigned(' ') : static_cast<unsigned char>(block[i]);
    return sum;
}
} // namespace

QByteArray entry(const Header &h, const QByteArray &data)
{
    const QByteArray name = h.name.toUtf8();
    if (name.isEmpty() || name.size() > 100)
        return {};
    QByteArray block(Block, '\0');
    char *b = block.data();
    std::memcpy(b, name.constData(), size_t(name.size()));
    octal(b + 100, 8, h.mode & 07777);
    octal(b + 108, 8, h.uid);
    octal(b + 116, 8, h.gid);
    octal(b + 124, 12, h.type == '5' ? 0 : data.size());
    octal(b + 136, 12, h.mtime);
    b[156] = h.type;
    std::memcpy(b + 257,
                "ustar\0"
                "00",
                8);
    octal(b + 148, 7, checksum(b)); // six digits and a NUL, then the space already there
    b[155] = ' ';
    if (h.type == '5')
        return block;
    QByteArray out = block + data;
    out.append(QByteArray((Block - data.size() % Block) % Block, '\0'));
    return out;
}

QByteArray end()
{
    return QByteArray(2 * Block, '\0');
}

std::optional<Header> firstHeader(const QByteArray &archive)
{
    return firstEntry(archive).transform([](const std::pair<Header, QByteArray> &e) { return e.first; });
}

std::optional<std::pair<Header, QByteArray>> firstEntry(const QByteArray &archive)
{
    for (qsizetype at = 0; at + Block <= archive.size();) {
        const char *b = archive.constData() + at;
        if (std::memcmp(b + 257, "ustar", 5) != 0 || readOctal(b + 148, 8) != qint64(checksum(b)))
            return std::nullopt;
        const qint64 size = readOctal(b + 124, 12);
        if (size < 0)
            return std::nullopt;
        const char type = b[156];
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') { // metadata for the next entry
            at += Block + (size + Block - 1) / Block * Block;
            continue;
        }
        Header h;
        h.name = QString::fromUtf8(b, qsizetype(strnlen(b, 100)));
        h.mode = int(readOctal(b + 100, 8));
        h.uid = int(readOctal(b + 108, 8));
        h.gid = int(readOctal(b + 116, 8));
        h.mtime = readOctal(b + 136, 12);
        h.type = type == '\0' ? '0' : type;
        if (at + Block + size > archive.size())
            return std::nullopt; // cut short
        return std::pair{h, archive.mid(at + Block, size)};
    }
    return std::nullopt;
}

} // namespace paddock::Tar
