// ImageBuilder against the real recipe, Debian's mirror and podman: the image it builds has the
// configuration Paddock relies on and, run hardened, git, ssh, curl and the user 1000; a cancel
// (during the recipe or during the import) leaves no temporary folder and no image; failures
// (not root, no debootstrap, no mirror) are sentences saying what to do.
#include "personas/Persona.h"
#include "runtime/EngineClient.h"
#include "runtime/ImageBuilder.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace paddock;

class TestImageBuilder : public QObject
{
    Q_OBJECT

    QString m_prefix = QStringLiteral("localhost/paddock-image-test-%1").arg(::getpid());
    std::optional<EngineClient::Endpoint> m_endpoint;

    static QString errorOf(const QSignalSpy &spy)
    {
        const auto r = spy.last().first().value<Result<QString>>();
        return r ? QString() : r.error().text();
    }

    // Runs `builder` to its end; the percentages it reported.
    static QList<int> run(ImageBuilder &builder, const QString &image, QSignalSpy &finished)
    {
        QList<int> percents;
        QObject::connect(&builder, &ImageBuilder::progress, &builder,
                         [&](int percent, const QString &) { percents << percent; });
        builder.start(image);
        finished.wait(12 * 60 * 1000);
        return percents;
    }

    // A recipe that runs the real one in a changed environment.
    static QString wrapper(const QTemporaryDir &dir, const QString &body)
    {
        const QString path = dir.filePath(QStringLiteral("recipe"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write("#!/bin/bash\n" + body.toUtf8() + '\n');
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        return path;
    }

private slots:
    void initTestCase()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        m_endpoint = *endpoint;
        EngineClient client(*m_endpoint);
        QVERIFY(client.connect());
        QVERIFY(ImageBuilder::recipePath().startsWith(qEnvironmentVariable("PADDOCK_SOURCE_DIR")));
        QVERIFY(QFileInfo(ImageBuilder::recipePath()).isExecutable());
        QCOMPARE(ImageBuilder::defaultImageName(),
                 QStringLiteral("localhost/paddock-agent:" PADDOCK_VERSION));
    }

    void buildsTheImage()
    {
        const QString image = m_prefix + QStringLiteral(":1");
        EngineClient client(*m_endpoint);
        QVERIFY(client.connect());
        auto cleanup = qScopeGuard([&] { (void)client.removeImage(image); });
        QVERIFY(!ImageBuilder::imageExists(client, image));

        ImageBuilder builder(*m_endpoint);
        QSignalSpy finished(&builder, &ImageBuilder::finished);
        QString workDir;
        connect(&builder, &ImageBuilder::progress, this, [&] {
            if (workDir.isEmpty())
                workDir = builder.workDir();
        });
        const QList<int> percents = run(builder, image, finished);
        QCOMPARE(finished.size(), 1);
        QVERIFY2(errorOf(finished).isEmpty(), qPrintable(errorOf(finished)));
        QVERIFY(!finished.last().first().value<Result<QString>>()->isEmpty());
        // Progress rose step by step, never fell, and ended at 100.
        QVERIFY(percents.size() > 20);
        QVERIFY(std::is_sorted(percents.begin(), percents.end()));
        QCOMPARE(percents.last(), 100);
        QVERIFY(!workDir.isEmpty());
        QVERIFY2(!QFileInfo::exists(workDir), qPrintable(workDir));
        QVERIFY(!builder.isRunning());

        QVERIFY(ImageBuilder::imageExists(client, image));
        auto info = client.inspectImage(image);
        QVERIFY(info);
        const QJsonObject config = info->value(QStringLiteral("Config")).toObject();
        QCOMPARE(config.value(QStringLiteral("User")).toString(), QStringLiteral("dev"));
        QCOMPARE(config.value(QStringLiteral("WorkingDir")).toString(), QStringLiteral("/home/dev"));
        QCOMPARE(config.value(QStringLiteral("Entrypoint")).toArray(),
                 QJsonArray{QStringLiteral("/usr/local/bin/paddock-agent")});
        QCOMPARE(config.value(QStringLiteral("Cmd")).toArray(), QJsonArray{QStringLiteral("shell")});
        QVERIFY(config.value(QStringLiteral("Env")).toArray().contains(QStringLiteral("HOME=/home/dev")));
        QVERIFY(info->value(QStringLiteral("Size")).toInteger() > 100 * 1000 * 1000);
        // The agents' versions are labels, the lock file's versions.
        const QJsonObject labels = config.value(QStringLiteral("Labels")).toObject();
        QFile manifest(qEnvironmentVariable("PADDOCK_SOURCE_DIR") +
                       QStringLiteral("/packaging/image/agents/package.json"));
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        const QJsonObject pinned = QJsonDocument::fromJson(manifest.readAll())
                                       .object()
                                       .value(QStringLiteral("dependencies"))
                                       .toObject();
        const QList<std::pair<QString, QString>> agents{
            {QStringLiteral("claude"), QStringLiteral("@anthropic-ai/claude-code")},
            {QStringLiteral("codex"), QStringLiteral("@openai/codex")},
            {QStringLiteral("opencode"), QStringLiteral("opencode-ai")},
            {QStringLiteral("copilot"), QStringLiteral("@github/copilot")}};
        for (const auto &[agent, package] : agents) {
            QCOMPARE(labels.value(QStringLiteral("io.paddock.agent.") + agent).toString(),
                     pinned.value(package).toString());
            QCOMPARE(ImageBuilder::agentVersions(*info).value(agent), pinned.value(package).toString());
        }
        QCOMPARE(labels.value(QStringLiteral("io.paddock.recipe")).toString().size(), 16);
        qInfo("image size: %lld MB", info->value(QStringLiteral("Size")).toInteger() / 1000 / 1000);

        // Run as a persona runs it: hardened, as user 1000, with a read-only root.
        Persona p = Persona::defaults(image).at(0);
        p.name = QStringLiteral("image-test-%1").arg(::getpid());
        p.ports.clear();
        // Its named volumes (home and caches), fresh: the agent can write both.
        for (Persona::Volume &v : p.volumes)
            v.name += QStringLiteral("-image-test-%1").arg(::getpid());
        auto volumes = qScopeGuard([&] {
            for (const Persona::Volume &v : p.volumes)
                (void)client.removeVolume(v.name);
        });
        for (const Persona::Volume &v : p.volumes)
            QVERIFY(client.createVolume(v.name, {}));
        p.entrypoint = {
            QStringLiteral("/usr/local/bin/paddock-agent"), QStringLiteral("--"), QStringLiteral("sh"),
            QStringLiteral("-c"),
            QStringLiteral(
                "git --version; ssh -V 2>&1; curl --version | head -n1; "
                "test -x /usr/sbin/sshd && echo sshd=yes; echo uid=$(id -u) user=$(id -un); "
                "touch /probe 2>/dev/null || echo root=read-only; "
                "touch ~/probe && echo home=writable; touch ~/.cache/probe && echo cache=writable; "
                "for a in claude codex opencode copilot; do echo \"$a: $($a --version 2>&1 | head -n1)\"; "
                "done; "
                "tmux -V; rg --version | head -n1; jq --version; python3 --version; node --version; "
                "test -w /opt/paddock/agents || echo agents=read-only")};
        QJsonObject spec = containerSpec(p);
        spec.insert(QStringLiteral("Env"), QJsonArray{QStringLiteral("PADDOCK_SECRETS_WAIT=0")});
        auto container = qScopeGuard([&] { (void)client.removeContainer(p.containerName(), true); });
        auto created = client.createContainer(p.containerName(), spec);
        QVERIFY2(created, qPrintable(created ? QString() : created.error().text()));
        QVERIFY(client.startContainer(p.containerName()));
        auto exit = client.waitContainer(p.containerName(), std::chrono::seconds(60));
        QVERIFY(exit);
        QStringList lines;
        if (auto l = client.logs(p.containerName()))
            for (const auto &line : *l)
                lines << QString::fromUtf8(line.text);
        const QString out = lines.join(u'\n');
        QCOMPARE(*exit, 0);
        QVERIFY2(out.contains(QStringLiteral("git version 2.")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("OpenSSH_")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("curl 8.")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("sshd=yes")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("uid=1000 user=dev")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("root=read-only")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("home=writable")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("cache=writable")), qPrintable(out));
        // Each agent runs as the persona's user, hardened, at its pinned version; so do the tools
        // agents expect; and the agents cannot change themselves.
        QVERIFY2(out.contains(QStringLiteral("claude: %1 (Claude Code)")
                                  .arg(pinned.value(QStringLiteral("@anthropic-ai/claude-code")).toString())),
                 qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("codex: codex-cli %1")
                                  .arg(pinned.value(QStringLiteral("@openai/codex")).toString())),
                 qPrintable(out));
        QVERIFY2(
            out.contains(
                QStringLiteral("opencode: %1").arg(pinned.value(QStringLiteral("opencode-ai")).toString())),
            qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("copilot: GitHub Copilot CLI %1")
                                  .arg(pinned.value(QStringLiteral("@github/copilot")).toString())),
                 qPrintable(out));
        for (const char *tool : {"tmux 3.", "ripgrep 14.", "jq-1.", "Python 3.", "v20."})
            QVERIFY2(out.contains(QLatin1StringView(tool)), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("agents=read-only")), qPrintable(out));
    }

    void cancelDuringTheRecipeLeavesNothing()
    {
        const QString image = m_prefix + QStringLiteral(":cancelled");
        ImageBuilder builder(*m_endpoint);
        builder.setAgents(false);
        QSignalSpy finished(&builder, &ImageBuilder::finished);
        QString workDir;
        int percent = 0;
        connect(&builder, &ImageBuilder::progress, this, [&](int p, const QString &) {
            workDir = builder.workDir();
            percent = p;
            if (p >= 10)
                builder.cancel(); // downloading: debootstrap is running
        });
        builder.start(image);
        QVERIFY(finished.wait(5 * 60 * 1000));
        QVERIFY(percent < 90);
        QVERIFY(errorOf(finished).contains(QStringLiteral("cancelled")));
        QVERIFY(!workDir.isEmpty());
        QVERIFY2(!QFileInfo::exists(workDir), qPrintable(workDir));
        EngineClient client(*m_endpoint);
        QVERIFY(client.connect());
        QVERIFY(!ImageBuilder::imageExists(client, image));
        // Nothing of debootstrap's is left running (its group was stopped).
        QProcess pgrep;
        pgrep.start(QStringLiteral("pgrep"), {QStringLiteral("-f"), workDir});
        pgrep.waitForFinished();
        QCOMPARE(pgrep.exitCode(), 1);
    }

    void cancelDuringTheImportLeavesNoImage()
    {
        const QString image = m_prefix + QStringLiteral(":import-cancelled");
        EngineClient client(*m_endpoint);
        QVERIFY(client.connect());
        auto cleanup = qScopeGuard([&] { (void)client.removeImage(image); });
        ImageBuilder builder(*m_endpoint);
        builder.setAgents(false);
        QSignalSpy finished(&builder, &ImageBuilder::finished);
        QString workDir;
        connect(&builder, &ImageBuilder::progress, this, [&](int p, const QString &) {
            workDir = builder.workDir();
            if (p > 90)
                builder.cancel(); // the recipe is done; the archive is on its way to the engine
        });
        builder.start(image);
        QVERIFY(finished.wait(12 * 60 * 1000));
        QVERIFY2(errorOf(finished).contains(QStringLiteral("cancelled")), qPrintable(errorOf(finished)));
        QVERIFY(!QFileInfo::exists(workDir));
        QVERIFY(!ImageBuilder::imageExists(client, image));
    }

    void failuresSayWhatToDo_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("mirror");
        QTest::addColumn<QString>("expected");
        const QString recipe = ImageBuilder::recipePath();
        QTest::newRow("not root")
            << QStringLiteral("exec setpriv --reuid 65534 --regid 65534 --clear-groups %1 \"$@\"").arg(recipe)
            << QString() << QStringLiteral("needs root");
        // A PATH with what the recipe needs to start, but no debootstrap.
        QTest::newRow("no debootstrap")
            << QStringLiteral("d=$(dirname \"$0\")/bin; mkdir -p \"$d\"; for t in bash dirname id mktemp; do "
                              "ln -sf \"$(command -v $t)\" \"$d/$t\"; done; PATH=$d exec bash %1 \"$@\"")
                   .arg(recipe)
            << QString() << QStringLiteral("debootstrap is not installed");
        QTest::newRow("mirror unreachable")
            << QStringLiteral("exec %1 \"$@\"").arg(recipe) << QStringLiteral("http://127.0.0.1:9/debian")
            << QStringLiteral("cannot reach the Debian mirror http://127.0.0.1:9/debian");
        QTest::newRow("bad package name") << QStringLiteral("exec %1 \"$@\" --include 'x;y'").arg(recipe)
                                          << QString() << QStringLiteral("not a comma-separated list");
    }

    void failuresSayWhatToDo()
    {
        QFETCH(QString, body);
        QFETCH(QString, mirror);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        ImageBuilder builder(*m_endpoint);
        builder.setRecipe(wrapper(dir, body));
        if (!mirror.isEmpty())
            builder.setMirror(mirror);
        QSignalSpy finished(&builder, &ImageBuilder::finished);
        builder.start(m_prefix + QStringLiteral(":failing"));
        QVERIFY(finished.wait(60000));
        const QString error = errorOf(finished);
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.contains(m_prefix), qPrintable(error));
        QVERIFY(!builder.isRunning());
    }

    void refusesBadNamesAndASecondStart()
    {
        ImageBuilder builder(*m_endpoint);
        QSignalSpy finished(&builder, &ImageBuilder::finished);
        builder.start(QStringLiteral("Not An Image"));
        QVERIFY(finished.wait(5000));
        QVERIFY(errorOf(finished).contains(QStringLiteral("is not an image name")));

        QTemporaryDir dir;
        builder.setRecipe(wrapper(dir, QStringLiteral("echo 'progress: 5 waiting' >&2; sleep 30")));
        builder.start(m_prefix + QStringLiteral(":twice"));
        QTRY_VERIFY(builder.isRunning());
        builder.start(m_prefix + QStringLiteral(":twice"));
        QVERIFY(finished.wait(5000));
        QVERIFY(errorOf(finished).contains(QStringLiteral("being built already")));
        builder.cancel();
        QVERIFY(finished.wait(20000));
        QVERIFY(errorOf(finished).contains(QStringLiteral("cancelled")));
    }
};

QTEST_GUILESS_MAIN(TestImageBuilder)
#include "test_image_builder.moc"
