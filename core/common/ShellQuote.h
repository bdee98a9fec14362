#pragma once
// Words as a POSIX shell reads them back: for scripts Paddock writes (git hooks) and command lines
// it shows or runs through a shell (paddockctl persona attach --print, script -c).

#include <QString>
#include <QStringList>

namespace paddock {

// One word: as it is when it holds only characters no shell treats specially, else in single
// quotes (a quote inside as '\'').
QString shellQuoted(const QString &word);
// The words joined by spaces, each quoted as above.
QString shellQuoted(const QStringList &words);

} // namespace paddock
