#include "runtime/EngineClient.h"

#include "config/AtomicFile.h"
#include "runtime/Tar.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QUuid>

#include <zlib.h>

// A named volume's backup and restore (a gzipped tar made by a helper container), apart from
// EngineClient's requests to the engine.
namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::EngineClient)
};

// gzip (RFC 1952) with zlib, in memory; zlib's own window bits +16 write and +32 detect the header.
std::optional<QByteArray> gzip(const QByteArray &data)
{
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return std::nullopt;
    QByteArray out;
    char buffer[65536];
    qsizetype offset = 0;
    int rc = Z_OK;
    do {
        const qsizetype chunk = std::min<qsizetype>(data.size() - offset, 1 << 30);
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData() + offset));
        z.avail_in = uInt(chunk);
        offset += chunk;
        const int flush = offset == data.size() ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = reinterpret_cast<Bytef *>(buffer);
            z.avail_out = sizeof buffer;
            rc = deflate(&z, flush);
            out.append(buffer, qsizetype(sizeof buffer - z.avail_out));
        } while (z.avail_out == 0);
    } while (offset < data.size());
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return std::nullopt;
    return out;
}

std::optional<QByteArray> gunzip(const QByteArray &data)
{
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return std::nullopt;
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = uInt(data.size());
    QByteArray out;
    char buffer[65536];
    int rc = Z_OK;
    do {
        z.next_out = reinterpret_cast<Bytef *>(buffer);
        z.avail_out = sizeof buffer;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        out.append(buffer, qsizetype(sizeof buffer - z.avail_out));
    } while (rc != Z_STREAM_END);
    inflateEnd(&z);
    if (rc != Z_STREAM_END)
        return std::nullopt;
    return out;
}

// Prefixes an engine error with the operation it belongs to, keeping its code and hint.
Error within(const QString &what, Error e)
{
    e.message = what + QStringLiteral(": ") + e.message;
    return e;
}
} // namespace

Result<QString> EngineClient::createVolumeHelper(const QString &volume, const QString &helperImage)
{
    const QString name =
        QStringLiteral("paddock-helper-") + QUuid::createUuid().toString(QUuid::Id128).left(12);
    const QJsonObject spec{
        {QStringLiteral("Image"), helperImage},
        {QStringLiteral("Entrypoint"), QJsonArray{QStringLiteral("sleep")}},
        {QStringLiteral("Cmd"), QJsonArray{QStringLiteral("3600")}},
        {QStringLiteral("User"), QStringLiteral("0:0")}, // to read and restore every owner's files
        {QStringLiteral("WorkingDir"), QStringLiteral("/")},
        {QStringLiteral("NetworkDisabled"), true},
        {QStringLiteral("Labels"),
         QJsonObject{{QStringLiteral("io.paddock.helper"), QStringLiteral("volume")}}},
        {QStringLiteral("HostConfig"),
         QJsonObject{{QStringLiteral("Mounts"),
                      QJsonArray{QJsonObject{{QStringLiteral("Type"), QStringLiteral("volume")},
                                             {QStringLiteral("Source"), volume},
                                             {QStringLiteral("Target"), QStringLiteral("/volume")}}}}}}};
    auto created = createContainer(name, spec);
    if (!created) {
        Error e = created.error();
        if (e.code == Error::Code::NotFound)
            e.hint =
                Text::tr("Is the image %1 there (podman images)? Build or pull it first.").arg(helperImage);
        return std::unexpected(e);
    }
    if (auto started = startContainer(name); !started) {
        (void)removeContainer(name, true);
        return std::unexpected(started.error());
    }
    return name;
}

// Killed first: its `sleep`, PID 1, ignores SIGTERM, so a forced removal alone waits out the stop
// timeout, which on a busy machine outlasted the call and left the helper behind.
void EngineClient::removeVolumeHelper(const QString &helper)
{
    (void)killContainer(helper);
    (void)removeContainer(helper, true);
}

namespace {
// The helper's tar, run as root with numeric owners: the archive API cannot carry owners on
// podman (GET reports every file as the container user's, PUT gives every file to it).
Result<void> helperTar(EngineClient &client, const QString &what, const QString &helper,
                       const QStringList &args, QByteArray *out)
{
    QStringList argv{QStringLiteral("tar"), QStringLiteral("--numeric-owner")};
    argv << args;
    auto r = client.exec(helper, argv, QStringLiteral("0"), {}, std::chrono::minutes(30));
    if (!r)
        return std::unexpected(within(what, r.error()));
    if (r->exitCode != 0)
        return fail(Error::Code::Io,
                    Text::tr("%1: tar in the helper container failed (%2)")
                        .arg(what, QString::fromUtf8(r->stderrText).trimmed().left(300)),
                    helper, Text::tr("The helper image needs sh and GNU tar (the agent image has both)."));
    if (out)
        *out = std::move(r->stdoutText);
    return {};
}
} // namespace

Result<void> EngineClient::backupVolume(const QString &volume, const QString &helperImage,
                                        const QString &targetFile)
{
    const QString what = Text::tr("backing up volume %1").arg(volume);
    auto exists = call(what, "GET", QStringLiteral("/volumes/%1").arg(encoded(volume)));
    if (!exists)
        return std::unexpected(within(what, exists.error()));
    auto helper = createVolumeHelper(volume, helperImage);
    if (!helper)
        return std::unexpected(within(what, helper.error()));
    const auto removeHelper = qScopeGuard([&] { removeVolumeHelper(*helper); });
    // "." first: the volume's top folder keeps its mode and owner too.
    QByteArray tar;
    if (auto made = helperTar(*this, what, *helper,
                              {QStringLiteral("-cpf"), QStringLiteral("-"), QStringLiteral("-C"),
                               QStringLiteral("/volume"), QStringLiteral(".")},
                              &tar);
        !made)
        return made;
    const auto compressed = gzip(tar);
    if (!compressed)
        return fail(Error::Code::Internal, Text::tr("%1: compressing the archive failed").arg(what),
                    targetFile, Text::tr("Check free memory and try again."));
    auto written = AtomicFile::write(targetFile, *compressed);
    if (!written)
        return std::unexpected(within(what, written.error()));
    return {};
}

Result<void> EngineClient::restoreVolume(const QString &volume, const QString &helperImage,
                                         const QString &sourceFile)
{
    const QString what = Text::tr("restoring volume %1").arg(volume);
    auto bytes = AtomicFile::read(sourceFile);
    if (!bytes)
        return std::unexpected(within(what, bytes.error()));
    const auto tar = gunzip(*bytes);
    bytes->clear();
    if (!tar || !Tar::firstHeader(*tar))
        return fail(Error::Code::Parse, Text::tr("%1: not a volume backup (a .tar.gz archive)").arg(what),
                    sourceFile, Text::tr("Choose a file made by Paddock's volume backup."));

    // Empty means empty: the volume is made anew (keeping its driver, options and labels).
    QJsonObject spec{{QStringLiteral("Name"), volume}};
    auto inspected = request("GET", QStringLiteral("/volumes/%1").arg(encoded(volume)));
    if (!inspected)
        return std::unexpected(within(what, inspected.error()));
    if (inspected->status == 200) {
        const QJsonObject o = QJsonDocument::fromJson(inspected->body).object();
        for (const char *key : {"Driver", "Labels"})
            if (o.contains(QLatin1StringView(key)))
                spec.insert(QLatin1StringView(key), o.value(QLatin1StringView(key)));
        if (o.value(QStringLiteral("Options")).isObject())
            spec.insert(QStringLiteral("DriverOpts"), o.value(QStringLiteral("Options")));
        auto removed = removeVolume(volume);
        if (!removed) {
            Error e = within(what, removed.error());
            if (e.code == Error::Code::Busy)
                e.hint =
                    Text::tr("A container uses it: stop (or remove) the persona's container, then restore "
                             "again.");
            return std::unexpected(e);
        }
    }
    auto created = call(what, "POST", QStringLiteral("/volumes/create"),
                        QJsonDocument(spec).toJson(QJsonDocument::Compact), {200, 201});
    if (!created)
        return std::unexpected(created.error());
    auto helper = createVolumeHelper(volume, helperImage);
    if (!helper)
        return std::unexpected(within(what, helper.error()));
    const auto removeHelper = qScopeGuard([&] { removeVolumeHelper(*helper); });
    // The archive goes into the helper's own layer (removed with it) as one file, and its tar
    // extracts it with the owners it records.
    const QString staged = QStringLiteral("paddock-restore.tar");
    auto put = putArchive(*helper, QStringLiteral("/tmp"),
                          Tar::entry({staged, 0600, 0, 0, QDateTime::currentSecsSinceEpoch(), '0'}, *tar) +
                              Tar::end());
    if (!put)
        return std::unexpected(within(what, put.error()));
    return helperTar(*this, what, *helper,
                     {QStringLiteral("-xpf"), QStringLiteral("/tmp/") + staged, QStringLiteral("-C"),
                      QStringLiteral("/volume")},
                     nullptr);
}

} // namespace paddock
