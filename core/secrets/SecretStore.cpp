#include "secrets/SecretStore.h"

#include "common/TextPosition.h"
#include "config/AtomicFile.h"
#include "config/Paths.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>

#include <qt6keychain/keychain.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::SecretStore)
};

Q_LOGGING_CATEGORY(lcSecrets, "paddock.secrets")

const QRegularExpression &namePattern()
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}\\z"));
    return re;
}

QString serviceName()
{
    return QString::fromLatin1(SecretStore::Service);
}
} // namespace

struct SecretStore::Request
{
    enum class Op { Store, Read, Remove } op = Op::Read;
    quint64 id = 0;
    QString name;
    QByteArray value; // Store only
    Kind kind = Kind::Other;
    QString persona;
    int attempt = 1;
};

SecretStore::SecretStore(QString indexPath, QObject *parent)
    : QObject(parent)
    , m_path(std::move(indexPath))
{}

SecretStore::~SecretStore()
{
    for (QKeychain::Job *job : std::as_const(m_jobs))
        job->deleteLater(); // on the main thread, where it lives
}

QString SecretStore::defaultIndexPath()
{
    return Paths::configDir() + QStringLiteral("/secrets.json");
}

std::optional<SecretStore::Entry> SecretStore::find(const QString &name) const
{
    for (const Entry &e : m_entries)
        if (e.name == name)
            return e;
    return std::nullopt;
}

Result<void> SecretStore::validateName(const QString &name)
{
    if (namePattern().match(name).hasMatch())
        return {};
    return fail(Error::Code::Invalid, Text::tr("\"%1\" is not a valid secret name").arg(name.left(80)), {},
                Text::tr("Use 1 to 64 characters: lower-case letters, digits, '.', '_' and '-', starting "
                         "with a letter or a digit."));
}

QString SecretStore::kindName(Kind kind)
{
    switch (kind) {
    case Kind::ApiKey:
        return QStringLiteral("api-key");
    case Kind::SshPrivateKey:
        return QStringLiteral("ssh-private-key");
    case Kind::SshAuthorizedKeys:
        return QStringLiteral("ssh-authorized-keys");
    case Kind::Other:
        return QStringLiteral("other");
    }
    return {};
}

std::optional<SecretStore::Kind> SecretStore::kindFromName(QStringView name)
{
    for (Kind k : {Kind::ApiKey, Kind::SshPrivateKey, Kind::SshAuthorizedKeys, Kind::Other})
        if (name == kindName(k))
            return k;
    return std::nullopt;
}

Result<void> SecretStore::loadIndex()
{
    m_loadError.reset();
    m_entries.clear();
    auto bytes = AtomicFile::read(m_path);
    if (!bytes) {
        if (bytes.error().code == Error::Code::NotFound)
            return {};
        m_loadError = bytes.error();
        return std::unexpected(*m_loadError);
    }
    const QByteArray &text = *bytes;
    const QString keep =
        Text::tr("Paddock lists no secrets and will not change the list until the file is fixed or "
                 "removed (the previous version, if any, is %1); the secrets themselves stay in the "
                 "Secret Service.")
            .arg(AtomicFile::backupPath(m_path));
    auto reject = [&](const QString &message, qsizetype offset) -> Result<void> {
        m_loadError = Error{Error::Code::Parse, message, TextPosition::at(text, offset).format(m_path), keep};
        return std::unexpected(*m_loadError);
    };
    auto offsetOf = [&](const QString &needle) { return qMax<qsizetype>(0, text.indexOf(needle.toUtf8())); };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return reject(Text::tr("not valid JSON: %1").arg(parseError.errorString()), parseError.offset);
    if (!doc.isObject())
        return reject(Text::tr("expected a JSON object"), 0);
    const QJsonObject root = doc.object();
    const QJsonValue version = root.value(QStringLiteral("version"));
    if (!version.isDouble() || version.toInt(-1) < 1 || version.toDouble() != version.toInt())
        return reject(Text::tr("\"version\" must be a positive whole number"),
                      offsetOf(QStringLiteral("\"version\"")));
    if (version.toInt() > FormatVersion)
        return reject(Text::tr("written by a newer Paddock (secrets version %1; this Paddock reads up to %2)")
                          .arg(version.toInt())
                          .arg(FormatVersion),
                      offsetOf(QStringLiteral("\"version\"")));
    if (!root.value(QStringLiteral("secrets")).isArray())
        return reject(Text::tr("\"secrets\" must be a list"), offsetOf(QStringLiteral("\"secrets\"")));
    QList<Entry> entries;
    QSet<QString> seen;
    qsizetype searchFrom = qMax<qsizetype>(0, text.indexOf("\"secrets\""));
    for (const QJsonValue &v : root.value(QStringLiteral("secrets")).toArray()) {
        // Where this entry is, for messages: the next object after the previous one.
        const qsizetype at = qMax<qsizetype>(0, text.indexOf('{', searchFrom + 1));
        searchFrom = at;
        if (!v.isObject())
            return reject(Text::tr("each secret must be an object"), at);
        const QJsonObject o = v.toObject();
        Entry e;
        e.name = o.value(QStringLiteral("name")).toString();
        if (!validateName(e.name))
            return reject(Text::tr("\"%1\" is not a valid secret name").arg(e.name.left(80)), at);
        if (seen.contains(e.name))
            return reject(Text::tr("the secret %1 is listed twice").arg(e.name), at);
        seen.insert(e.name);
        const auto kind = kindFromName(o.value(QStringLiteral("kind")).toString());
        if (!kind)
            return reject(Text::tr("secret %1 has an unknown kind; use api-key, ssh-private-key, "
                                   "ssh-authorized-keys or other")
                              .arg(e.name),
                          at);
        e.kind = *kind;
        e.persona = o.value(QStringLiteral("persona")).toString();
        e.created = QDateTime::fromString(o.value(QStringLiteral("created")).toString(), Qt::ISODate);
        entries << e;
    }
    m_entries = entries;
    return {};
}

Result<void> SecretStore::saveIndex(const QList<Entry> &entries)
{
    QJsonArray list;
    for (const Entry &e : entries) {
        QJsonObject o{{QStringLiteral("name"), e.name},
                      {QStringLiteral("kind"), kindName(e.kind)},
                      {QStringLiteral("created"), e.created.toUTC().toString(Qt::ISODate)}};
        if (!e.persona.isEmpty())
            o.insert(QStringLiteral("persona"), e.persona);
        list.append(o);
    }
    const QJsonObject root{{QStringLiteral("version"), FormatVersion}, {QStringLiteral("secrets"), list}};
    auto written = AtomicFile::write(m_path, QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!written)
        return written;
    m_entries = entries;
    emit entriesChanged();
    return {};
}

quint64 SecretStore::store(const QString &name, const QByteArray &value, Kind kind, const QString &persona)
{
    auto r = std::make_shared<Request>();
    r->op = Request::Op::Store;
    r->name = name;
    r->value = value;
    r->kind = kind;
    r->persona = persona;
    return submit(std::move(r));
}

quint64 SecretStore::read(const QString &name)
{
    auto r = std::make_shared<Request>();
    r->op = Request::Op::Read;
    r->name = name;
    return submit(std::move(r));
}

quint64 SecretStore::remove(const QString &name)
{
    auto r = std::make_shared<Request>();
    r->op = Request::Op::Remove;
    r->name = name;
    return submit(std::move(r));
}

void SecretStore::failLater(quint64 id, const QString &name, const Error &error)
{
    QTimer::singleShot(0, this, [this, id, name, error] { emit failed(id, name, error); });
}

quint64 SecretStore::submit(std::shared_ptr<Request> request)
{
    request->id = m_nextId++;
    if (auto valid = validateName(request->name); !valid) {
        failLater(request->id, request->name, valid.error());
        return request->id;
    }
    // A list that could not be read is not overwritten; reading still works.
    if (request->op != Request::Op::Read && m_loadError) {
        failLater(request->id, request->name, *m_loadError);
        return request->id;
    }
    const quint64 id = request->id;
    start(request);
    return id;
}

void SecretStore::start(const std::shared_ptr<Request> &request)
{
    QKeychain::Job *job = nullptr;
    switch (request->op) {
    case Request::Op::Store: {
        auto *write = new QKeychain::WritePasswordJob(serviceName());
        write->setBinaryData(request->value);
        job = write;
        break;
    }
    case Request::Op::Read:
        job = new QKeychain::ReadPasswordJob(serviceName());
        break;
    case Request::Op::Remove:
        job = new QKeychain::DeletePasswordJob(serviceName());
        break;
    }
    job->setKey(request->name);
    // QtKeychain runs every job of the process through one queue (its JobExecutor), an object of
    // whichever thread started the first job and not safe to use from two: jobs from the runtime
    // thread and from the Secrets page's thread crashed it. So every job lives on the application's
    // main thread (they are asynchronous: nothing waits there), and the answer comes back here
    // queued. The job is deleted by the answer, or by the destructor if none came.
    job->setAutoDelete(false);
    job->moveToThread(QCoreApplication::instance()->thread());
    m_jobs.insert(job);
    connect(job, &QKeychain::Job::finished, this, [this, request](QKeychain::Job *done) {
        m_jobs.remove(done);
        finish(request, done);
        done->deleteLater();
    });
    job->start();
}

void SecretStore::finish(const std::shared_ptr<Request> &request, QKeychain::Job *job)
{
    const QKeychain::Error code = job->error();
    const QString name = request->name;
    const quint64 id = request->id;
    if ((code == QKeychain::NoBackendAvailable || code == QKeychain::OtherError) &&
        request->attempt < MaxAttempts) {
        const auto delay = m_retryDelay * (1 << (request->attempt - 1));
        qCInfo(lcSecrets).noquote() << "Secret Service not ready for" << name << "(" << job->errorString()
                                    << "); retrying in" << delay.count() << "ms";
        ++request->attempt;
        QTimer::singleShot(delay, this, [this, request] { start(request); });
        return;
    }
    const bool missing = code == QKeychain::EntryNotFound;
    if (code != QKeychain::NoError && !(missing && request->op != Request::Op::Store)) {
        QString message;
        switch (request->op) {
        case Request::Op::Store:
            message = Text::tr("cannot store the secret %1 in the Secret Service: %2");
            break;
        case Request::Op::Read:
            message = Text::tr("cannot read the secret %1 from the Secret Service: %2");
            break;
        case Request::Op::Remove:
            message = Text::tr("cannot remove the secret %1 from the Secret Service: %2");
            break;
        }
        const QString hint =
            code == QKeychain::AccessDeniedByUser || code == QKeychain::AccessDenied
                ? Text::tr("Allow Paddock to use the keyring when it asks, then try again.")
                : Text::tr("Make sure a keyring (GNOME Keyring, KWallet) is running and unlocked, then try "
                           "again.");
        const Error error{Error::Code::Unavailable, message.arg(name, job->errorString()), serviceName(),
                          hint};
        qCWarning(lcSecrets).noquote() << error.text();
        emit failed(id, name, error);
        return;
    }
    switch (request->op) {
    case Request::Op::Store: {
        request->value.fill('\0'); // not kept longer than needed
        request->value.clear();
        QList<Entry> entries = m_entries;
        entries.removeIf([&](const Entry &e) { return e.name == name; });
        entries << Entry{name, request->kind, request->persona, QDateTime::currentDateTimeUtc()};
        if (auto saved = saveIndex(entries); !saved) {
            emit failed(id, name, saved.error());
            return;
        }
        qCInfo(lcSecrets).noquote() << "stored secret" << name
                                    << QStringLiteral("(%1)").arg(kindName(request->kind));
        emit stored(id, name);
        return;
    }
    case Request::Op::Read: {
        if (missing) {
            emit notFound(id, name);
            return;
        }
        const QByteArray value = static_cast<QKeychain::ReadPasswordJob *>(job)->binaryData();
        emit valueRead(id, name, value);
        return;
    }
    case Request::Op::Remove: {
        if (find(name)) {
            QList<Entry> entries = m_entries;
            entries.removeIf([&](const Entry &e) { return e.name == name; });
            if (auto saved = saveIndex(entries); !saved) {
                emit failed(id, name, saved.error());
                return;
            }
        }
        qCInfo(lcSecrets).noquote() << "removed secret" << name;
        emit removed(id, name);
        return;
    }
    }
}

} // namespace paddock
