#include "proxy/LocalNames.h"

#include <QFile>

#include <unistd.h>

#include <algorithm>

namespace paddock {

namespace {

QString normalName(const QString &host)
{
    QString name = host.toLower();
    if (name.endsWith(u'.'))
        name.chop(1);
    return name;
}

} // namespace

LocalNames localNames(const QString &hostsFile)
{
    LocalNames names;
    const std::vector<IpAddress> loopback{IpAddress::v4(0x7f000001), **AddressGuard::parseLiteral(u"::1")};
    for (const char *n : {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
        names.insert(QString::fromLatin1(n), loopback);
    char own[256] = {};
    if (::gethostname(own, sizeof own - 1) == 0 && own[0]) {
        const QString full = normalName(QString::fromLocal8Bit(own));
        names.insert(full, loopback);
        names.insert(full.section(u'.', 0, 0), loopback);
    }
    QFile file(hostsFile);
    if (!file.open(QIODevice::ReadOnly))
        return names;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const qsizetype hash = raw.indexOf('#');
        const QByteArray line = (hash < 0 ? raw : raw.first(hash)).simplified();
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() < 2)
            continue;
        auto address = AddressGuard::parseLiteral(QString::fromLatin1(fields.first()));
        if (!address || !*address)
            continue;
        for (const QByteArray &name : fields.mid(1)) {
            std::vector<IpAddress> &list = names[normalName(QString::fromLatin1(name))];
            if (std::find(list.begin(), list.end(), **address) == list.end())
                list.push_back(**address);
        }
    }
    return names;
}

const std::vector<IpAddress> *localAddresses(const LocalNames &names, const QString &host)
{
    QString name = normalName(host);
    if (name.endsWith(QLatin1StringView(".localhost")))
        name = QStringLiteral("localhost");
    const auto found = names.constFind(name);
    return found == names.cend() ? nullptr : &*found;
}

} // namespace paddock
