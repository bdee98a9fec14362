#pragma once

#include <QByteArray>
#include <QString>

#include <optional>
#include <utility>

namespace paddock::Tar {

// A minimal POSIX ustar writer for archives made in memory (secrets delivered into a container
// never touch the disk on the way) and the one header Paddock reads back from the engine.

struct Header
{
    QString name; // at most 100 bytes of UTF-8 (no prefix field is used)
    int mode = 0644;
    int uid = 0;
    int gid = 0;
    qint64 mtime = 0;
    char type = '0'; // '0' file, '5' directory
};

// One entry: its 512-byte header and, for a file, `data` padded to a whole block. Empty when the
// name does not fit.
QByteArray entry(const Header &header, const QByteArray &data = {});
// The end of an archive: two zero blocks.
QByteArray end();

// The first real entry's header (PAX and GNU long-name records are skipped), if `archive` starts
// with a valid ustar or GNU header; its checksum is verified.
std::optional<Header> firstHeader(const QByteArray &archive);
// The same with its data (a file's contents; none when the archive is cut short).
std::optional<std::pair<Header, QByteArray>> firstEntry(const QByteArray &archive);

} // namespace paddock::Tar
