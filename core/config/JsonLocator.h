#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace paddock {

// Where things are in a configuration file of the shape {"version": N, "<list>": [{…}, …]}, for
// messages with file:line:column: the byte offset of item i's object and of its keys. nlohmann/json
// keeps no positions, so a small scan of the same text finds them.
class JsonLocator final
{
public:
    JsonLocator(const QByteArray &text, QLatin1StringView listKey);

    // Item `item`'s key (the opening quote of its name), or the item's "{" when it has no such key.
    qsizetype at(qsizetype item, const QString &key = {}) const;
    // The first character inside the string value of item `item`'s key (for a column within it).
    qsizetype valueAt(qsizetype item, const QString &key) const;

private:
    const QByteArray &m_text;
    QList<qsizetype> m_itemStart;
    QList<QHash<QString, qsizetype>> m_keys;
};

} // namespace paddock
