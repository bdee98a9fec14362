#include "config/Settings.h"

#include "common/TextPosition.h"
#include "config/AtomicFile.h"
#include "config/Paths.h"

#include <QJsonDocument>
#include <QMetaEnum>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace paddock {

namespace {
enum class Type { Bool, Bytes, String, Count }; // Count: a whole number, 0 or more

struct KeyInfo
{
    Settings::Key key;
    const char *name;
    Type type;
};

constexpr KeyInfo keyTable[] = {
    {Settings::Key::CloseToTray, "closeToTray", Type::Bool},
    {Settings::Key::CloseToTrayNoticeShown, "closeToTrayNoticeShown", Type::Bool},
    {Settings::Key::MainWindowGeometry, "mainWindowGeometry", Type::Bytes},
    {Settings::Key::MainWindowState, "mainWindowState", Type::Bytes},
    {Settings::Key::CurrentPage, "currentPage", Type::String},
    {Settings::Key::AuditRetentionDays, "auditRetentionDays", Type::Count},
    {Settings::Key::AuditMaxSizeMb, "auditMaxSizeMb", Type::Count},
    {Settings::Key::DenyNotifications, "denyNotifications", Type::Bool},
    {Settings::Key::Terminal, "terminal", Type::String},
};

const KeyInfo &info(Settings::Key key)
{
    for (const auto &k : keyTable)
        if (k.key == key)
            return k;
    Q_UNREACHABLE();
}

QJsonValue toJson(Type type, const QVariant &v)
{
    switch (type) {
    case Type::Bool:
        return v.toBool();
    case Type::Bytes:
        return QString::fromLatin1(v.toByteArray().toBase64());
    case Type::String:
        return v.toString();
    case Type::Count:
        return v.toInt();
    }
    return {};
}

bool jsonHasType(Type type, const QJsonValue &v)
{
    switch (type) {
    case Type::Bool:
        return v.isBool();
    case Type::Bytes:
        return v.isString() && QByteArray::fromBase64Encoding(v.toString().toLatin1(),
                                                              QByteArray::AbortOnBase64DecodingErrors)
                                       .decodingStatus == QByteArray::Base64DecodingStatus::Ok;
    case Type::String:
        return v.isString();
    case Type::Count:
        return v.isDouble() && v.toDouble() >= 0 && v.toDouble() <= 1e9 &&
               v.toDouble() == std::floor(v.toDouble());
    }
    return false;
}

const char *typeDescription(Type type)
{
    switch (type) {
    case Type::Bool:
        return QT_TRANSLATE_NOOP("paddock::Settings", "true or false");
    case Type::Bytes:
        return QT_TRANSLATE_NOOP("paddock::Settings", "a base64 string");
    case Type::String:
        return QT_TRANSLATE_NOOP("paddock::Settings", "a string");
    case Type::Count:
        return QT_TRANSLATE_NOOP("paddock::Settings", "a whole number from 0 to 1000000000");
    }
    return "";
}

// QJsonParseError's offset lies after the offending token, often on the next line: point at the
// token itself (the start of a bad literal, or the end of what came before).
qsizetype errorStart(const QByteArray &text, qsizetype offset)
{
    auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    auto isWord = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '+';
    };
    qsizetype at = std::min(offset, text.size());
    while (at > 0 && isSpace(text[at - 1]))
        --at;
    if (at > 0 && isWord(text[at - 1])) {
        while (at > 0 && isWord(text[at - 1]))
            --at;
        return at;
    }
    return at > 0 ? at - 1 : 0;
}

// Where a key first appears in the file, for messages about its value.
TextPosition positionOfKey(const QByteArray &text, const char *name)
{
    QByteArray quoted = "\"";
    quoted.append(name).append('"');
    const qsizetype at = text.indexOf(quoted);
    return TextPosition::at(text, at < 0 ? 0 : at);
}
} // namespace

Settings::Settings(QString filePath, QObject *parent)
    : QObject(parent)
    , m_path(std::move(filePath))
{
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(SaveDelayMs);
    connect(&m_saveTimer, &QTimer::timeout, this, [this] { (void)flush(); });
}

Settings::~Settings()
{
    (void)flush();
}

QString Settings::defaultFilePath()
{
    return Paths::configDir() + QStringLiteral("/settings.json");
}

QString Settings::keyName(Key key)
{
    return QString::fromLatin1(info(key).name);
}

QVariant Settings::defaultValue(Key key)
{
    switch (key) {
    case Key::CloseToTray:
        return true;
    case Key::CloseToTrayNoticeShown:
        return false;
    case Key::MainWindowGeometry:
    case Key::MainWindowState:
        return QByteArray();
    case Key::CurrentPage:
        return QString();
    case Key::AuditRetentionDays:
        return 0;
    case Key::AuditMaxSizeMb:
        return 0;
    case Key::DenyNotifications:
        return true;
    case Key::Terminal:
        return QString();
    }
    return {};
}

Result<void> Settings::load()
{
    m_loadError.reset();
    m_values = {};
    auto bytes = AtomicFile::read(m_path);
    if (!bytes) {
        if (bytes.error().code == Error::Code::NotFound)
            return {};
        m_loadError = bytes.error();
        return std::unexpected(*m_loadError);
    }
    return parse(*bytes);
}

Result<void> Settings::parse(const QByteArray &text)
{
    m_loadError.reset();
    m_values = {};
    const QString keep = tr("Paddock uses its defaults and will not save settings until the file is fixed "
                            "or removed (the previous version, if any, is %1).")
                             .arg(AtomicFile::backupPath(m_path));
    auto reject = [&](const QString &message, TextPosition pos) -> Result<void> {
        m_loadError = Error{Error::Code::Parse, message, pos.format(m_path), keep};
        return std::unexpected(*m_loadError);
    };

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return reject(tr("not valid JSON: %1").arg(parseError.errorString()),
                      TextPosition::at(text, errorStart(text, parseError.offset)));
    if (!doc.isObject())
        return reject(tr("expected a JSON object"), TextPosition::at(text, 0));
    const QJsonObject root = doc.object();
    const QJsonValue version = root.value(QLatin1StringView("version"));
    if (!version.isDouble() || version.toInt() < 1)
        return reject(tr("\"version\" must be a positive whole number"), positionOfKey(text, "version"));
    if (version.toInt() > SchemaVersion)
        return reject(tr("written by a newer Paddock (settings version %1; this Paddock reads up to %2)")
                          .arg(version.toInt())
                          .arg(SchemaVersion),
                      positionOfKey(text, "version"));
    // Qt's JSON keeps control characters in keys, but its lookups do not treat them consistently.
    for (auto it = root.constBegin(); it != root.constEnd(); ++it) {
        const QString key = it.key();
        const auto bad = std::find_if(key.cbegin(), key.cend(), [](QChar c) { return c.unicode() < 0x20; });
        if (bad != key.cend()) {
            // Point at the key: its text up to the control character, after its opening quote.
            const QByteArray start = '"' + key.left(bad - key.cbegin()).toUtf8();
            return reject(tr("a key contains a control character"),
                          TextPosition::at(text, std::max<qsizetype>(0, text.indexOf(start))));
        }
    }
    for (const auto &k : keyTable) {
        const QJsonValue v = root.value(QLatin1StringView(k.name));
        if (!v.isUndefined() && !jsonHasType(k.type, v))
            return reject(tr("\"%1\" must be %2").arg(QLatin1StringView(k.name), tr(typeDescription(k.type))),
                          positionOfKey(text, k.name));
    }
    m_values = root;
    return {};
}

QVariant Settings::value(Key key) const
{
    const KeyInfo &k = info(key);
    const QJsonValue v = m_values.value(QLatin1StringView(k.name));
    if (v.isUndefined())
        return defaultValue(key);
    switch (k.type) {
    case Type::Bool:
        return v.toBool();
    case Type::Bytes:
        return QByteArray::fromBase64(v.toString().toLatin1());
    case Type::String:
        return v.toString();
    case Type::Count:
        return v.toInt();
    }
    return defaultValue(key);
}

void Settings::setValue(Key key, const QVariant &value)
{
    const KeyInfo &k = info(key);
    if (this->value(key) == value)
        return;
    const QJsonValue json = toJson(k.type, value);
    m_values.insert(QLatin1StringView(k.name), json);
    emit changed(key);
    if (isWritable()) {
        m_dirty = true;
        m_saveTimer.start();
    }
}

QByteArray Settings::serialize() const
{
    QJsonObject root = m_values;
    root.insert(QLatin1StringView("version"), SchemaVersion);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

Result<void> Settings::flush()
{
    m_saveTimer.stop();
    if (!m_dirty || !isWritable())
        return {};
    m_dirty = false;
    if (m_writer) {
        m_writer(m_path, serialize());
        return {};
    }
    return AtomicFile::write(m_path, serialize());
}

} // namespace paddock
