#include "common/ShellQuote.h"

#include <QRegularExpression>

namespace paddock {

QString shellQuoted(const QString &word)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:@%+=,-]+\\z"));
    if (plain.match(word).hasMatch())
        return word;
    return QLatin1Char('\'') + QString(word).replace(u'\'', QStringLiteral("'\\''")) + QLatin1Char('\'');
}

QString shellQuoted(const QStringList &words)
{
    QStringList out;
    for (const QString &word : words)
        out << shellQuoted(word);
    return out.join(u' ');
}

} // namespace paddock
