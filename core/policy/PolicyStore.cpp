#include "policy/PolicyStore.h"

#include "audit/AuditStore.h"

#include "common/TextPosition.h"
#include "config/AtomicFile.h"
#include "policy/Validator.h"

#include <algorithm>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QTimeZone>

namespace paddock {

namespace {
constexpr auto HistoryStamp = "yyyyMMdd'T'HHmmsszzz'Z'";

QString readResource(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// The first error of a check, as an Error that names file:line:column.
Error firstError(const cedar::Diagnostics &diagnostics, const QString &file, int count)
{
    for (const cedar::Diagnostic &d : diagnostics) {
        if (d.severity != cedar::Diagnostic::Severity::Error)
            continue;
        const QString where = file + QLatin1Char(':') + QString::number(d.span.line) + QLatin1Char(':') +
                              QString::number(d.span.column);
        QString hint = QString::fromStdString(d.help);
        if (count > 1)
            hint = (hint.isEmpty() ? QString() : hint + QLatin1Char(' ')) +
                   PolicyStore::tr("(%n more error(s) after this one)", nullptr, count - 1);
        return Error{Error::Code::Invalid, QString::fromStdString(d.message), where, hint};
    }
    return Error{Error::Code::Invalid, PolicyStore::tr("invalid policies"), file, {}};
}
} // namespace

int PolicyCheck::errorCount() const
{
    return int(std::count_if(diagnostics.begin(), diagnostics.end(), [](const cedar::Diagnostic &d) {
        return d.severity == cedar::Diagnostic::Severity::Error;
    }));
}

int PolicyCheck::warningCount() const
{
    return int(diagnostics.size()) - errorCount();
}

PolicyStore::PolicyStore(QString configDir, QObject *parent)
    : QObject(parent)
    , m_dir(std::move(configDir))
{}

QStringList PolicyStore::defaultNames()
{
    return {QStringLiteral("restricted"), QStringLiteral("moderate"), QStringLiteral("full")};
}

QString PolicyStore::defaultText(const QString &name)
{
    return readResource(QStringLiteral(":/policy/%1.cedar").arg(name));
}

QString PolicyStore::defaultSchemaText()
{
    return readResource(QStringLiteral(":/policy/paddock.cedarschema"));
}

QString PolicyStore::filePath(const QString &name) const
{
    return m_dir + QStringLiteral("/policies/") + name + QStringLiteral(".cedar");
}

QString PolicyStore::historyDir(const QString &name) const
{
    return m_dir + QStringLiteral("/policies/history/") + name;
}

Result<void> PolicyStore::load()
{
    QList<Error> problems;
    // The schema first: every set is checked against it.
    const QString schemaPath = m_dir + QStringLiteral("/schema.cedarschema");
    if (!QFileInfo::exists(schemaPath))
        if (auto written = AtomicFile::write(schemaPath, defaultSchemaText().toUtf8()); !written)
            return std::unexpected(written.error());
    auto schemaBytes = AtomicFile::read(schemaPath);
    if (!schemaBytes)
        return std::unexpected(schemaBytes.error());
    const std::string schemaText = schemaBytes->toStdString();
    cedar::SchemaParseResult parsed = cedar::parseSchema(schemaText);
    if (!parsed.schema) {
        const auto &d = parsed.diagnostics.front();
        problems << Error{Error::Code::Invalid, QString::fromStdString(d.message),
                          schemaPath + QLatin1Char(':') + QString::number(d.span.line) + QLatin1Char(':') +
                              QString::number(d.span.column),
                          tr("Policies are checked without a schema until it is fixed.")};
    }
    {
        QMutexLocker lock(&m_mutex);
        m_schemaText = QString::fromUtf8(*schemaBytes);
        m_schema = parsed.schema;
    }

    for (const QString &name : defaultNames())
        if (!QFileInfo::exists(filePath(name)))
            if (auto written = AtomicFile::write(filePath(name), defaultText(name).toUtf8()); !written)
                return std::unexpected(written.error());
    const QStringList files = QDir(m_dir + QStringLiteral("/policies"))
                                  .entryList({QStringLiteral("*.cedar")}, QDir::Files, QDir::Name);
    for (const QString &file : files)
        if (auto loaded = loadOne(QFileInfo(file).completeBaseName()); !loaded)
            problems << loaded.error();
    {
        QMutexLocker lock(&m_mutex);
        m_loadProblems = problems;
    }
    emit loaded();
    return {};
}

Result<void> PolicyStore::loadOne(const QString &name)
{
    const QString path = filePath(name);
    auto bytes = AtomicFile::read(path);
    if (!bytes)
        return std::unexpected(bytes.error());
    const QString text = QString::fromUtf8(*bytes);
    const PolicyCheck result = check(text);
    QMutexLocker lock(&m_mutex);
    m_texts.insert(name, text);
    if (!result.valid()) {
        // Fail closed: an empty set denies everything until the file is fixed.
        m_sets.insert(name, std::make_shared<const cedar::PolicySet>(std::vector<cedar::Policy>{}));
        Error e = firstError(result.diagnostics, path, result.errorCount());
        e.hint = tr("Until it is fixed, this policy set denies everything.") + QLatin1Char(' ') + e.hint;
        return std::unexpected(e);
    }
    m_sets.insert(name, result.policies);
    return {};
}

QList<Error> PolicyStore::loadProblems() const
{
    QMutexLocker lock(&m_mutex);
    return m_loadProblems;
}

QStringList PolicyStore::names() const
{
    QMutexLocker lock(&m_mutex);
    QStringList list = m_texts.keys();
    list.sort();
    return list;
}

QString PolicyStore::text(const QString &name) const
{
    QMutexLocker lock(&m_mutex);
    return m_texts.value(name);
}

std::shared_ptr<const cedar::Schema> PolicyStore::schema() const
{
    QMutexLocker lock(&m_mutex);
    return m_schema;
}

QString PolicyStore::schemaText() const
{
    QMutexLocker lock(&m_mutex);
    return m_schemaText;
}

std::shared_ptr<const cedar::PolicySet> PolicyStore::policies(const QString &name) const
{
    QMutexLocker lock(&m_mutex);
    if (auto set = m_sets.value(name))
        return set;
    static const auto empty = std::make_shared<const cedar::PolicySet>(std::vector<cedar::Policy>{});
    return empty;
}

PolicyCheck PolicyStore::check(const QString &text) const
{
    PolicyCheck result;
    const std::string source = text.toStdString();
    cedar::ParseResult parsed = cedar::parsePolicies(source);
    result.diagnostics = std::move(parsed.diagnostics);
    // Policies that parse are checked against the schema too (strict validation, as Cedar's).
    if (result.errorCount() == 0)
        if (const auto s = schema()) {
            cedar::Diagnostics found = cedar::validatePolicies(parsed.policies, *s);
            result.diagnostics.insert(result.diagnostics.end(), found.begin(), found.end());
        }
    if (result.errorCount() == 0)
        result.policies = std::make_shared<const cedar::PolicySet>(std::move(parsed.policies));
    return result;
}

Result<void> PolicyStore::save(const QString &name, const QString &text)
{
    return store(name, text, QStringLiteral("policy.save"), {});
}

Result<void> PolicyStore::store(const QString &name, const QString &text, const QString &action,
                                const QString &revertedFrom)
{
    if (name.isEmpty() || name.contains(QLatin1Char('/')) || name.startsWith(QLatin1Char('.')))
        return fail(Error::Code::Invalid, tr("\"%1\" is not a valid policy set name").arg(name), {},
                    tr("Use letters, digits and dashes."));
    const PolicyCheck result = check(text);
    if (!result.valid())
        return std::unexpected(firstError(result.diagnostics, filePath(name), result.errorCount()));
    const QByteArray bytes = text.toUtf8();
    if (auto written = AtomicFile::write(filePath(name), bytes); !written)
        return written;
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QLatin1StringView(HistoryStamp));
    if (auto kept =
            AtomicFile::write(historyDir(name) + QLatin1Char('/') + stamp + QStringLiteral(".cedar"), bytes);
        !kept)
        return kept;
    {
        QMutexLocker lock(&m_mutex);
        m_texts.insert(name, text);
        m_sets.insert(name, result.policies);
    }
    if (m_audit) {
        AuditEvent event;
        event.source = AuditEvent::Source::Policy;
        event.action = action;
        event.resource = filePath(name);
        QJsonObject details{
            {QStringLiteral("set"), name},
            {QStringLiteral("version"), stamp},
            {QStringLiteral("versionFile"),
             QString(historyDir(name) + QLatin1Char('/') + stamp + QStringLiteral(".cedar"))},
            {QStringLiteral("sha256"),
             QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex())},
            {QStringLiteral("policies"), qint64(result.policies->policies().size())},
            {QStringLiteral("bytes"), qint64(bytes.size())}};
        if (!revertedFrom.isEmpty())
            details.insert(QStringLiteral("revertedTo"), revertedFrom);
        event.setDetails(details);
        m_audit->append(std::move(event));
    }
    emit policiesChanged(name);
    return {};
}

QList<PolicyStore::Version> PolicyStore::history(const QString &name) const
{
    QList<Version> versions;
    const QDir dir(historyDir(name));
    const QStringList files =
        dir.entryList({QStringLiteral("*.cedar")}, QDir::Files, QDir::Name | QDir::Reversed);
    for (const QString &file : files) {
        QDateTime time =
            QDateTime::fromString(QFileInfo(file).completeBaseName(), QLatin1StringView(HistoryStamp));
        time.setTimeZone(QTimeZone::UTC);
        if (time.isValid())
            versions << Version{time, dir.filePath(file)};
    }
    return versions;
}

Result<QString> PolicyStore::versionText(const QString &name, const Version &version) const
{
    if (!version.path.startsWith(historyDir(name) + QLatin1Char('/')))
        return fail(Error::Code::NotFound, tr("not a version of \"%1\"").arg(name), version.path);
    auto bytes = AtomicFile::read(version.path);
    if (!bytes)
        return std::unexpected(bytes.error());
    return QString::fromUtf8(*bytes);
}

Result<void> PolicyStore::revert(const QString &name, const Version &version)
{
    auto text = versionText(name, version);
    if (!text)
        return std::unexpected(text.error());
    return store(name, *text, QStringLiteral("policy.revert"), version.time.toString(Qt::ISODateWithMs));
}

} // namespace paddock
