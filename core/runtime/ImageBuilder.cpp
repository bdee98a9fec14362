#include "runtime/ImageBuilder.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <csignal>
#include <sys/mount.h>
#include <unistd.h>

namespace paddock {

namespace {
struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::ImageBuilder)
};

constexpr const char *RecipeName = "build-agent-image";
// The recipe's share of the progress bar; the import takes the rest.
constexpr int RecipeShare = 90;

// The mount points below `dir` (deepest first), from /proc/self/mountinfo (octal escapes undone).
QStringList mountsBelow(const QString &dir)
{
    QFile file(QStringLiteral("/proc/self/mountinfo"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    static const QRegularExpression escape(QStringLiteral("\\\\([0-7]{3})"));
    const QString prefix = QDir::cleanPath(dir) + QLatin1Char('/');
    QStringList out;
    for (const QByteArray &line : file.readAll().split('\n')) {
        QString point = QString::fromUtf8(line.split(' ').value(4));
        QString decoded;
        qsizetype last = 0;
        for (auto it = escape.globalMatch(point); it.hasNext();) {
            const auto m = it.next();
            decoded += point.mid(last, m.capturedStart() - last) + QChar(m.captured(1).toInt(nullptr, 8));
            last = m.capturedEnd();
        }
        point = decoded + point.mid(last);
        if (point.startsWith(prefix))
            out << point;
    }
    std::sort(out.begin(), out.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
    return out;
}
} // namespace

ImageBuilder::ImageBuilder(EngineClient::Endpoint endpoint, QObject *parent)
    : QObject(parent)
    , m_recipe(recipePath())
    , m_endpoint(std::move(endpoint))
{
    m_killTimer.setSingleShot(true);
    m_killTimer.setInterval(std::chrono::seconds(15));
    connect(&m_killTimer, &QTimer::timeout, this, [this] { signalGroup(SIGKILL); });
}

ImageBuilder::~ImageBuilder()
{
    m_cancelled = true;
    if (m_process) {
        m_process->disconnect(this);
        signalGroup(SIGTERM);
        if (!m_process->waitForFinished(15000))
            signalGroup(SIGKILL);
        m_process->waitForFinished(5000);
    }
    if (m_import.joinable())
        m_import.join(); // the thread removes an image imported after the cancel itself
    removeWorkDir();
}

QString ImageBuilder::defaultImageName()
{
    return QStringLiteral("localhost/paddock-agent:") + QLatin1StringView(PADDOCK_VERSION);
}

QString ImageBuilder::recipePath()
{
    const QString app = QDir::cleanPath(QCoreApplication::applicationDirPath());
    const QString build = QDir::cleanPath(QStringLiteral(PADDOCK_BUILD_DIR));
    if (app == build || app.startsWith(build + QLatin1Char('/')))
        return QStringLiteral(PADDOCK_SOURCE_DIR "/packaging/image/") + QLatin1StringView(RecipeName);
    const QString relative =
        QDir::cleanPath(app + QStringLiteral("/../share/paddock/image/") + QLatin1StringView(RecipeName));
    if (QFileInfo(relative).isExecutable())
        return relative;
    return QStringLiteral(PADDOCK_IMAGE_DIR "/") + QLatin1StringView(RecipeName);
}

QStringList ImageBuilder::imageChanges(const QStringList &labels)
{
    QStringList changes{
        QStringLiteral("USER dev"),
        QStringLiteral("WORKDIR /home/dev"),
        QStringLiteral("ENV HOME=/home/dev"),
        QStringLiteral("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        QStringLiteral("ENTRYPOINT [\"/usr/local/bin/paddock-agent\"]"),
        QStringLiteral("CMD [\"shell\"]"),
        QStringLiteral("LABEL io.paddock.image=agent")};
    for (const QString &label : labels)
        if (label != QLatin1StringView("io.paddock.image=agent"))
            changes << QStringLiteral("LABEL ") + label;
    return changes;
}

Result<QStringList> ImageBuilder::readLabels(const QString &path)
{
    QFile f(path);
    if (!f.exists())
        return QStringList{}; // an older recipe, or another one (tests): no labels of its own
    if (!f.open(QIODevice::ReadOnly))
        return fail(Error::Code::Io, Text::tr("cannot read the image's labels: %1").arg(f.errorString()),
                    path, {});
    static const QRegularExpression line(QStringLiteral("^io\\.paddock\\.[a-z0-9.-]+=[A-Za-z0-9._+-]+\\z"));
    QStringList labels;
    int number = 0;
    for (const QByteArray &raw : f.readAll().split('\n')) {
        ++number;
        const QString text = QString::fromUtf8(raw).trimmed();
        if (text.isEmpty())
            continue;
        if (!line.match(text).hasMatch())
            return fail(Error::Code::Parse,
                        Text::tr("line %1 is not a label the recipe writes (io.paddock.NAME=VALUE): %2")
                            .arg(number)
                            .arg(text.left(80)),
                        QStringLiteral("%1:%2:1").arg(path).arg(number),
                        Text::tr("This is a bug in the recipe; please report it."));
        labels << text;
    }
    return labels;
}

bool ImageBuilder::imageExists(EngineClient &client, const QString &name)
{
    return client.inspectImage(name).has_value();
}

QString ImageBuilder::workDir() const
{
    return m_work ? m_work->path() : QString();
}

void ImageBuilder::start(const QString &imageName)
{
    auto failLater = [this](Error e) {
        QMetaObject::invokeMethod(
            this, [this, e] { emit finished(std::unexpected(e)); }, Qt::QueuedConnection);
    };
    if (m_running)
        return failLater({Error::Code::Busy, Text::tr("the agent image is being built already"), m_image,
                          Text::tr("Wait for that build to finish, or cancel it.")});
    // "host/path/name:tag": the tag follows the last colon after the last slash.
    const qsizetype slash = imageName.lastIndexOf(QLatin1Char('/'));
    const qsizetype colon = imageName.lastIndexOf(QLatin1Char(':'));
    m_image = imageName;
    m_repository = colon > slash ? imageName.left(colon) : imageName;
    m_tag = colon > slash ? imageName.mid(colon + 1) : QStringLiteral("latest");
    static const QRegularExpression valid(QStringLiteral("^[a-z0-9]+([._/:-][a-z0-9]+)*\\z"));
    static const QRegularExpression validTag(QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\z"));
    if (!valid.match(m_repository).hasMatch() || !validTag.match(m_tag).hasMatch())
        return failLater({Error::Code::Invalid,
                          Text::tr("\"%1\" is not an image name").arg(imageName),
                          {},
                          Text::tr("Use lower-case letters, digits and . _ - / with an optional :tag, "
                                   "such as localhost/paddock-agent:0.1.0.")});
    if (!QFileInfo(m_recipe).isExecutable())
        return failLater({Error::Code::NotFound, Text::tr("the recipe for the agent image is missing"),
                          m_recipe,
                          Text::tr("Reinstall Paddock; the recipe belongs in share/paddock/image.")});

    m_work =
        std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/paddock-image-build-XXXXXX"));
    if (!m_work->isValid()) {
        const QString why = m_work->errorString();
        m_work.reset();
        return failLater(
            {Error::Code::Io, Text::tr("cannot make a temporary folder for the build (%1)").arg(why),
             QDir::tempPath(), Text::tr("Free some space there, or set TMPDIR to another folder.")});
    }
    m_work->setAutoRemove(false); // removed by removeWorkDir(), never across a mount
    QFile::setPermissions(m_work->path(),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    m_running = true;
    m_cancelled = false;
    m_percent = 0;
    m_log.clear();
    m_pending.clear();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TMPDIR"), m_work->path()); // the recipe's own work folder goes inside
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    m_process->setProcessEnvironment(env);
    // A group of its own, so that cancel() reaches debootstrap and everything it started.
    m_process->setChildProcessModifier([] { ::setsid(); });
    QStringList args{QStringLiteral("--output"), m_work->filePath(QStringLiteral("agent.tar"))};
    if (!m_extraPackages.isEmpty())
        args << QStringLiteral("--include") << m_extraPackages.join(QLatin1Char(','));
    if (!m_mirror.isEmpty())
        args << QStringLiteral("--mirror") << m_mirror;
    if (!m_agents)
        args << QStringLiteral("--no-agents");
    connect(m_process, &QProcess::readyRead, this, &ImageBuilder::readOutput);
    connect(m_process, &QProcess::finished, this, &ImageBuilder::recipeFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        const QString why = m_process->errorString();
        m_process->deleteLater();
        m_process = nullptr;
        finish(fail(Error::Code::Unavailable, Text::tr("cannot run the image recipe (%1)").arg(why), m_recipe,
                    Text::tr("Check that the file exists and is executable.")));
    });
    report(0, Text::tr("starting the recipe"));
    m_process->start(m_recipe, args);
}

void ImageBuilder::cancel()
{
    if (!m_running || m_cancelled)
        return;
    m_cancelled = true;
    report(m_percent, Text::tr("cancelling"));
    if (m_process) {
        signalGroup(SIGTERM); // the recipe unmounts and removes its work folder on SIGTERM
        m_killTimer.start();
    }
    // During the import the thread sees m_cancelled and removes the image when it is done.
}

void ImageBuilder::signalGroup(int signal)
{
    if (m_process && m_process->processId() > 0)
        ::kill(-pid_t(m_process->processId()), signal);
}

void ImageBuilder::report(int percent, const QString &text)
{
    m_percent = std::max(m_percent, std::clamp(percent, 0, 100));
    emit progress(m_percent, text);
}

void ImageBuilder::readOutput()
{
    m_pending += m_process->readAll();
    static const QRegularExpression line(QStringLiteral("^progress: (\\d+) (.*)\\z"));
    qsizetype end;
    while ((end = m_pending.indexOf('\n')) >= 0) {
        const QString text = QString::fromUtf8(m_pending.left(end)).trimmed();
        m_pending.remove(0, end + 1);
        if (const auto m = line.match(text); m.hasMatch()) {
            if (!m_cancelled)
                report(m.captured(1).toInt() * RecipeShare / 100, m.captured(2));
        } else if (!text.isEmpty()) {
            m_log << text;
            if (m_log.size() > 40)
                m_log.removeFirst();
        }
    }
}

void ImageBuilder::recipeFinished(int exitCode, QProcess::ExitStatus status)
{
    readOutput();
    m_killTimer.stop();
    m_process->deleteLater();
    m_process = nullptr;
    if (m_cancelled)
        return finish(fail(Error::Code::Invalid, Text::tr("the build of %1 was cancelled").arg(m_image)));
    if (status != QProcess::NormalExit || exitCode != 0) {
        // The recipe's last word is one "build-agent-image: …" sentence saying what to do.
        QString sentence;
        for (const QString &l : std::as_const(m_log))
            if (l.startsWith(QLatin1StringView(RecipeName) + QStringLiteral(": ")))
                sentence = l.mid(qsizetype(qstrlen(RecipeName)) + 2);
        if (sentence.isEmpty()) {
            sentence = status != QProcess::NormalExit
                           ? Text::tr("the recipe stopped unexpectedly")
                           : Text::tr("the recipe failed with status %1").arg(exitCode);
            if (!m_log.isEmpty())
                sentence += QStringLiteral(" (") + m_log.last() + QLatin1Char(')');
        }
        return finish(fail(Error::Code::Unavailable,
                           Text::tr("building %1 failed: %2").arg(m_image, sentence), m_recipe, {}));
    }
    const QString tar = m_work->filePath(QStringLiteral("agent.tar"));
    if (!QFileInfo(tar).isFile())
        return finish(fail(Error::Code::Internal, Text::tr("the recipe succeeded but wrote no archive"), tar,
                           Text::tr("This is a bug in the recipe; please report it.")));

    report(RecipeShare + 2, Text::tr("importing %1 into the container engine").arg(m_image));
    if (m_import.joinable())
        m_import.join();
    // The blocking client belongs to this thread alone; the result comes back queued.
    m_import = std::thread([this, endpoint = m_endpoint, tar, repository = m_repository, tag = m_tag] {
        EngineClient client(endpoint);
        Result<QString> result = [&]() -> Result<QString> {
            // The recipe's labels beside the archive: read here, off the builder's (the UI's) thread.
            const auto labels = readLabels(tar + QStringLiteral(".labels"));
            if (!labels)
                return std::unexpected(labels.error());
            if (auto v = client.connect(); !v)
                return std::unexpected(v.error());
            return client.importImageFile(tar, repository, tag, imageChanges(*labels));
        }();
        if (m_cancelled) {
            if (result)
                (void)client.removeImage(repository + QLatin1Char(':') + tag);
            result = fail(Error::Code::Invalid,
                          Text::tr("the build of %1 was cancelled").arg(repository + QLatin1Char(':') + tag));
        }
        QMetaObject::invokeMethod(this, [this, result] { importFinished(result); }, Qt::QueuedConnection);
    });
}

void ImageBuilder::importFinished(const Result<QString> &result)
{
    if (m_import.joinable())
        m_import.join();
    if (result)
        report(100, Text::tr("built %1").arg(m_image));
    finish(result);
}

void ImageBuilder::finish(const Result<QString> &result)
{
    removeWorkDir();
    m_running = false;
    emit finished(result);
}

void ImageBuilder::removeWorkDir()
{
    if (!m_work)
        return;
    const QString dir = m_work->path();
    // A recipe killed outright may leave debootstrap's /proc or /dev mounts in the new root:
    // detach them first, so that removing the folder never reaches into the host's.
    const QStringList mounts = mountsBelow(dir);
    for (const QString &point : mounts)
        ::umount2(QFile::encodeName(point).constData(), MNT_DETACH);
    if (mountsBelow(dir).isEmpty())
        QDir(dir).removeRecursively();
    else
        qWarning("paddock: left %s in place: %s is still mounted below it", qPrintable(dir),
                 qPrintable(mountsBelow(dir).join(QStringLiteral(", "))));
    m_work.reset();
}

QMap<QString, QString> ImageBuilder::agentVersions(const QJsonObject &inspectedImage)
{
    const QJsonObject labels =
        inspectedImage.value(QStringLiteral("Config")).toObject().value(QStringLiteral("Labels")).toObject();
    QMap<QString, QString> out;
    const QString prefix = QStringLiteral("io.paddock.agent.");
    for (auto it = labels.begin(); it != labels.end(); ++it)
        if (it.key().startsWith(prefix))
            out.insert(it.key().mid(prefix.size()), it.value().toString());
    return out;
}

QString ImageBuilder::currentRecipe(bool withAgents)
{
    const QDir dir = QFileInfo(recipePath()).dir();
    QByteArray all;
    QStringList files{QLatin1StringView(RecipeName), QStringLiteral("paddock-agent")};
    if (withAgents)
        files << QStringLiteral("agents/package-lock.json");
    for (const QString &name : files) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly))
            return {};
        all += f.readAll();
    }
    return QString::fromLatin1(QCryptographicHash::hash(all, QCryptographicHash::Sha256).toHex().left(16));
}

bool ImageBuilder::isOutdated(const QJsonObject &inspectedImage)
{
    const QJsonObject labels =
        inspectedImage.value(QStringLiteral("Config")).toObject().value(QStringLiteral("Labels")).toObject();
    if (labels.value(QStringLiteral("io.paddock.image")).toString() != u"agent")
        return false; // an image of the user's own: not Paddock's to update
    const QString current = currentRecipe(!agentVersions(inspectedImage).isEmpty());
    return !current.isEmpty() && labels.value(QStringLiteral("io.paddock.recipe")).toString() != current;
}

} // namespace paddock
