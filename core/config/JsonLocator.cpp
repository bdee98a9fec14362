#include "config/JsonLocator.h"

namespace paddock {

JsonLocator::JsonLocator(const QByteArray &text, QLatin1StringView listKey)
    : m_text(text)
{
    int depth = 0;
    bool inList = false;
    int listDepth = -1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            const qsizetype start = i;
            QByteArray s;
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\')
                    ++i;
                else
                    s += text[i];
            }
            qsizetype j = i + 1;
            while (j < text.size() && (text[j] == ' ' || text[j] == '\n' || text[j] == '\t' || text[j] == '\r'))
                ++j;
            if (j < text.size() && text[j] == ':') {
                const QString key = QString::fromUtf8(s);
                if (depth == 1 && key == listKey)
                    inList = true;
                if (inList && depth == listDepth + 1 && !m_keys.isEmpty())
                    m_keys.last().insert(key, start);
            }
        } else if (c == '[' || c == '{') {
            ++depth;
            if (c == '[' && inList && listDepth < 0)
                listDepth = depth;
            else if (c == '{' && listDepth >= 0 && depth == listDepth + 1) {
                m_itemStart << i;
                m_keys << QHash<QString, qsizetype>{};
            }
        } else if (c == ']' || c == '}') {
            if (c == ']' && depth == listDepth) {
                listDepth = -2; // done
                inList = false;
            }
            --depth;
        }
    }
}

qsizetype JsonLocator::at(qsizetype item, const QString &key) const
{
    if (item < 0 || item >= m_itemStart.size())
        return 0;
    return m_keys[item].value(key, m_itemStart[item]);
}

qsizetype JsonLocator::valueAt(qsizetype item, const QString &key) const
{
    const qsizetype keyAt = at(item, key);
    const qsizetype colon = m_text.indexOf(':', keyAt + key.toUtf8().size() + 2);
    const qsizetype quote = colon < 0 ? -1 : m_text.indexOf('"', colon);
    return quote < 0 ? keyAt : quote + 1;
}

} // namespace paddock
