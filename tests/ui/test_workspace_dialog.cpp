// The drop flow's dialog and the missing-image offer on the Personas page, with a real
// PersonaRuntime on a thread of its own: pointed at a socket that does not exist for the dialog's
// refusals and checks, at podman for a workspace really made and mounted, and for a persona whose
// image is missing. Folders are dropped as a file manager drops them (QDropEvent with a file URL)
// on repositories made with the git command line.
#include "../core/AgentImage.h"
#include "../core/GitRepos.h"
#include "personas/ImageBuildDialog.h"
#include "personas/PersonaCard.h"
#include "personas/PersonaStore.h"
#include "personas/PersonasPage.h"
#include "personas/WorkspaceDialog.h"
#include "repo/RepositoryProbe.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"

#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDropEvent>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QToolButton>
#include <QUrl>

#include <unistd.h>

using namespace paddock;

namespace {

constexpr int StartTimeoutMs = 120'000;

// The runtime as the engine runs it: on a thread of its own, started and stopped there.
class RuntimeThread final
{
public:
    explicit RuntimeThread(PersonaRuntime::Options options)
        : m_runtime(std::make_unique<PersonaRuntime>(std::move(options)))
    {
        m_thread.setObjectName(QStringLiteral("paddock-runtime"));
        m_runtime->moveToThread(&m_thread);
        m_thread.start();
        QMetaObject::invokeMethod(
            m_runtime.get(), [r = m_runtime.get()] { (void)r->start(); }, Qt::BlockingQueuedConnection);
    }
    ~RuntimeThread()
    {
        QThread *home = QThread::currentThread();
        QMetaObject::invokeMethod(
            m_runtime.get(),
            [r = m_runtime.get(), home] {
                r->stop();
                r->moveToThread(home);
            },
            Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    PersonaRuntime *get() const { return m_runtime.get(); }

private:
    QThread m_thread;
    std::unique_ptr<PersonaRuntime> m_runtime;
};

Persona testPersona(const QString &name, const QString &image)
{
    Persona p = Persona::defaults(image).at(2);
    p.name = name;
    p.image = image;
    p.ports = {};
    p.volumes = {};
    p.entrypoint = {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                    QStringLiteral("trap 'exit 0' TERM; while true; do sleep 1; done")};
    p.limits.memoryMb = 256;
    return p;
}

template <typename T> T *in(QWidget *parent, const char *name)
{
    return parent->findChild<T *>(QLatin1StringView(name));
}

// Clicks a button once its window has made room for it (a dialog grows when a stage shows more;
// a top-level's resize arrives from the platform a moment later).
void click(QAbstractButton *button)
{
    if (!QTest::qWaitFor([button] { return !button->rect().isEmpty(); }, 5000))
        qWarning("%s has no room on screen", qPrintable(button->objectName()));
    QTest::mouseClick(button, Qt::LeftButton);
}

} // namespace

class TestWorkspaceDialog : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    const QString m_persona = QStringLiteral("wsui%1").arg(::getpid());
    const QString m_missingPersona = QStringLiteral("wsuimissing%1").arg(::getpid());
    const QString m_missingImage = QStringLiteral("localhost/paddock-wsui-missing-%1:none").arg(::getpid());

    QString config() const { return m_dir.filePath(QStringLiteral("config")); }
    QString data() const { return m_dir.filePath(QStringLiteral("data")); }

    // personas.json with the given personas, and the runtime's options for it.
    PersonaRuntime::Options options(const QList<Persona> &personas,
                                    std::optional<EngineClient::Endpoint> endpoint) const
    {
        QDir().mkpath(config());
        QFile file(config() + QStringLiteral("/personas.json"));
        if (file.open(QIODevice::WriteOnly))
            file.write(PersonaStore::serialize(personas));
        PersonaRuntime::Options o;
        o.personasPath = config() + QStringLiteral("/personas.json");
        o.image = agentImageName();
        o.dataDir = data();
        o.configDir = config();
        o.endpoint = endpoint;
        o.stopTimeout = std::chrono::seconds(1);
        return o;
    }

    static std::unique_ptr<PersonasPage> showPage(PersonaRuntime *runtime)
    {
        auto page = std::make_unique<PersonasPage>(runtime);
        page->resize(1000, 800);
        page->show();
        return page;
    }

    // Drops `folder` on the card as a file manager would.
    static void drop(PersonaCard *card, const QString &folder)
    {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(folder)});
        const QPoint at = card->rect().center();
        QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(card, &enter);
        QDropEvent dropped(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(card, &dropped);
    }

    static void removeContainer(const Persona &persona)
    {
        auto endpoint = EngineClient::discover();
        if (!endpoint)
            return;
        EngineClient client(*endpoint);
        if (!client.connect())
            return;
        (void)client.killContainer(persona.containerName());
        (void)client.removeContainer(persona.containerName(), true, true);
        (void)client.removeNetwork(persona.networkName());
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // Without an engine: the dialog opens on a drop, refuses what is not a repository with the
    // reason, suggests a feature name, checks it as it is typed, and shows the runtime's refusal.
    void dialogChecksTheFolderAndTheName()
    {
        RuntimeThread runtime(options(
            {testPersona(m_persona, agentImageName())},
            EngineClient::Endpoint{m_dir.filePath(QStringLiteral("no.sock")), QStringLiteral("test")}));
        auto page = showPage(runtime.get());
        QTRY_VERIFY(page->card(m_persona));
        PersonaCard *card = page->card(m_persona);

        // A plain folder: the reason, and only Close.
        const QString plain = m_dir.filePath(QStringLiteral("plain"));
        QVERIFY(QDir().mkpath(plain));
        drop(card, plain);
        QTRY_VERIFY(page->workspaceDialog(m_persona));
        QPointer<WorkspaceDialog> dialog = page->workspaceDialog(m_persona);
        QVERIFY(dialog->isVisible());
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Refused);
        QVERIFY2(dialog->refusal().contains(QStringLiteral("not a git repository")),
                 qPrintable(dialog->refusal()));
        QVERIFY(in<QLabel>(dialog, "workspaceRefusal")->isVisible());
        QVERIFY(in<QPushButton>(dialog, "workspaceClose")->isVisible());
        QVERIFY(!in<QPushButton>(dialog, "workspaceCreate")->isVisible());
        QVERIFY(!in<QWidget>(dialog, "workspaceDetails")->isVisible());
        click(in<QPushButton>(dialog, "workspaceClose"));
        QTRY_VERIFY(!dialog);
        QVERIFY(!page->workspaceDialog(m_persona));

        // A work tree with an uncommitted change.
        const QString repo = m_dir.filePath(QStringLiteral("app"));
        QVERIFY(makeRepository(repo));
        QVERIFY(writeFile(repo + QStringLiteral("/notes.txt"), "not committed\n"));
        drop(card, repo);
        QTRY_VERIFY(page->workspaceDialog(m_persona));
        dialog = page->workspaceDialog(m_persona);
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Ready);
        auto *feature = in<QLineEdit>(dialog, "workspaceFeature");
        auto *create = in<QPushButton>(dialog, "workspaceCreate");
        auto *problem = in<QLabel>(dialog, "workspaceFeatureProblem");
        const QString suggested = RepositoryProbe::suggestFeatureName(QStringLiteral("app"));
        QCOMPARE(feature->text(), suggested);
        QVERIFY(suggested.startsWith(QStringLiteral("app-")));
        QCOMPARE(in<QLabel>(dialog, "workspaceBranch")->text(), m_persona + u'/' + suggested);
        QCOMPARE(in<QLabel>(dialog, "workspacePath")->text(),
                 data() + QStringLiteral("/workspaces/") + m_persona + QStringLiteral("/app-") + suggested);
        QVERIFY(in<QLabel>(dialog, "workspaceHead")->text().contains(QStringLiteral("on branch main")));
        auto *base = in<QComboBox>(dialog, "workspaceBase");
        QCOMPARE(base->currentText(), QStringLiteral("main"));
        QVERIFY(base->findText(QStringLiteral("develop")) >= 0);
        auto *warnings = in<QLabel>(dialog, "workspaceWarnings");
        QVERIFY(warnings->isVisible());
        QVERIFY2(warnings->text().contains(QStringLiteral("uncommitted")), qPrintable(warnings->text()));
        QVERIFY(
            in<QLabel>(dialog, "workspaceRestartNote")->text().contains(QStringLiteral("will be started")));
        QVERIFY(create->isEnabled());
        QVERIFY(!problem->isVisible());

        // Checked as it is typed.
        feature->selectAll();
        QTest::keyClicks(feature, QStringLiteral("bad..name"));
        QCOMPARE(feature->text(), QStringLiteral("bad..name"));
        QVERIFY(!create->isEnabled());
        QVERIFY(problem->isVisible());
        QVERIFY2(problem->text().contains(QStringLiteral("cannot be a feature name")),
                 qPrintable(problem->text()));
        feature->clear();
        QVERIFY(!create->isEnabled());
        QVERIFY(problem->text().contains(QStringLiteral("Enter a feature name")));
        QTest::keyClicks(feature, QStringLiteral("login"));
        QVERIFY(create->isEnabled());
        QVERIFY(!problem->isVisible());
        QCOMPARE(dialog->branchName(), m_persona + QStringLiteral("/login"));

        // A second drop on the same persona raises this dialog rather than opening another.
        drop(card, plain);
        QTest::qWait(200);
        QCOMPARE(page->workspaceDialog(m_persona), dialog.data());
        QCOMPARE(page->findChildren<WorkspaceDialog *>().size(), 1);
        QVERIFY(card->message().contains(QStringLiteral("being set up already")));

        // No engine: the runtime refuses, the dialog says why and offers Create again.
        base->setCurrentIndex(base->findText(QStringLiteral("develop")));
        click(create);
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Failed);
        QVERIFY2(dialog->error().contains(QStringLiteral("no container engine")),
                 qPrintable(dialog->error()));
        QVERIFY(in<QLabel>(dialog, "workspaceError")->isVisible());
        QVERIFY(create->isEnabled());
        QCOMPARE(create->text(), QStringLiteral("&Try again"));
        QVERIFY(!QFileInfo::exists(data() + QStringLiteral("/workspaces/") + m_persona +
                                   QStringLiteral("/app-login")));
        dialog->reject();
        QTRY_VERIFY(!dialog);

        // Detached: the base is HEAD's commit, offered first. Bare: said so, its name without .git.
        QVERIFY(!git(repo, {QStringLiteral("checkout"), QStringLiteral("-q"), QStringLiteral("--detach"),
                            QStringLiteral("HEAD~1")})
                     .isNull());
        const QString detachedAt = git(repo, {QStringLiteral("rev-parse"), QStringLiteral("HEAD")});
        drop(card, repo);
        QTRY_VERIFY(page->workspaceDialog(m_persona));
        dialog = page->workspaceDialog(m_persona);
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Ready);
        QVERIFY(in<QLabel>(dialog, "workspaceHead")->text().contains(QStringLiteral("detached")));
        QCOMPARE(in<QComboBox>(dialog, "workspaceBase")->currentIndex(), 0);
        QCOMPARE(dialog->baseName(), detachedAt);
        dialog->reject();
        QTRY_VERIFY(!dialog);
        const QString bare = m_dir.filePath(QStringLiteral("lib.git"));
        QVERIFY(!git(m_dir.path(),
                     {QStringLiteral("clone"), QStringLiteral("-q"), QStringLiteral("--bare"), repo, bare})
                     .isNull());
        drop(card, bare);
        QTRY_VERIFY(page->workspaceDialog(m_persona));
        dialog = page->workspaceDialog(m_persona);
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Ready);
        QVERIFY2(in<QLabel>(dialog, "workspaceRepository")->text().startsWith(QStringLiteral("lib, a bare")),
                 qPrintable(in<QLabel>(dialog, "workspaceRepository")->text()));
        QVERIFY(in<QLineEdit>(dialog, "workspaceFeature")->text().startsWith(QStringLiteral("lib")));
        QVERIFY(!in<QLabel>(dialog, "workspaceWarnings")->isVisible());
        QVERIFY(in<QPushButton>(dialog, "workspaceCreate")->isEnabled());
        dialog->reject();
        QTRY_VERIFY(!dialog);
    }

    // With podman: Create makes the workspace with progress, the persona runs with it mounted at
    // /home/dev/workspace and its card shows it; a second drop says the persona will be restarted,
    // and cancelling that one leaves nothing behind.
    void createRunsThePersonaWithTheWorkspace()
    {
        const QString imageProblem = ensureAgentImage();
        QVERIFY2(imageProblem.isEmpty(), qPrintable(imageProblem));
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        const Persona persona = testPersona(m_persona, agentImageName());
        removeContainer(persona);
        auto cleanup = qScopeGuard([&] { removeContainer(persona); });
        RuntimeThread runtime(options({persona}, *endpoint));
        auto page = showPage(runtime.get());
        QTRY_VERIFY_WITH_TIMEOUT(page->isEngineConnected(), 30000);
        QTRY_VERIFY(page->card(m_persona));
        PersonaCard *card = page->card(m_persona);
        int progressSignals = 0;
        connect(runtime.get(), &PersonaRuntime::workspaceProgress, this,
                [&](const QString &who, const WorkspaceProgress &) { progressSignals += who == m_persona; });

        const QString repo = m_dir.filePath(QStringLiteral("web"));
        QVERIFY(makeRepository(repo));
        drop(card, repo);
        QTRY_VERIFY(page->workspaceDialog(m_persona));
        QPointer<WorkspaceDialog> dialog = page->workspaceDialog(m_persona);
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Ready);
        auto *feature = in<QLineEdit>(dialog, "workspaceFeature");
        feature->setText(QStringLiteral("first"));
        const QString expected = dialog->workspacePath();
        click(in<QPushButton>(dialog, "workspaceCreate"));
        QCOMPARE(dialog->stage(), WorkspaceDialog::Stage::Creating);
        QVERIFY(in<QProgressBar>(dialog, "workspaceProgress")->isVisible());
        QTRY_VERIFY2_WITH_TIMEOUT(dialog->stage() == WorkspaceDialog::Stage::Created,
                                  qPrintable(dialog->error()), StartTimeoutMs);
        QVERIFY(progressSignals > 0);
        const Workspace workspace = dialog->workspace();
        QCOMPARE(workspace.path, expected);
        QCOMPARE(workspace.branch, m_persona + QStringLiteral("/first"));
        QVERIFY(in<QLabel>(dialog, "workspaceResult")->text().contains(workspace.path));
        QVERIFY(in<QLabel>(dialog, "workspaceResult")->text().contains(workspace.branch));
        click(in<QPushButton>(dialog, "workspaceCopyPath"));
        QCOMPARE(QApplication::clipboard()->text(), workspace.path);
        click(in<QPushButton>(dialog, "workspaceClose"));
        QTRY_VERIFY(!dialog);

        // Running, with the workspace mounted, and the card says which.
        auto *badge = in<QLabel>(card, "statusBadge");
        QTRY_VERIFY2_WITH_TIMEOUT(badge->text() == QStringLiteral("running"),
                                  qPrintable(badge->text() + u' ' + card->message()), StartTimeoutMs);
        QTRY_VERIFY(in<QLabel>(card, "workspaceLabel")->text().contains(workspace.path));
        EngineClient client(*endpoint);
        QVERIFY(client.connect());
        auto inspected = client.inspectContainer(persona.containerName());
        QVERIFY2(inspected, qPrintable(inspected ? QString() : inspected.error().text()));
        bool mounted = false;
        for (const QJsonValue &m : inspected->value(QStringLiteral("Mounts")).toArray()) {
            const QJsonObject mount = m.toObject();
            if (mount.value(QStringLiteral("Destination")).toString() ==
                QLatin1StringView("/home/dev/workspace")) {
                QCOMPARE(mount.value(QStringLiteral("Source")).toString(), workspace.path);
                QVERIFY(mount.value(QStringLiteral("RW")).toBool());
                mounted = true;
            }
        }
        QVERIFY2(mounted, QJsonDocument(*inspected).toJson().constData());
        auto branch =
            client.exec(persona.containerName(),
                        {QStringLiteral("git"), QStringLiteral("-C"), QStringLiteral("/home/dev/workspace"),
                         QStringLiteral("rev-parse"), QStringLiteral("--abbrev-ref"), QStringLiteral("HEAD")},
                        QStringLiteral("dev"));
        QVERIFY2(branch, qPrintable(branch ? QString() : branch.error().text()));
        QCOMPARE(QString::fromUtf8(branch->stdoutText).trimmed(), workspace.branch);

        // Another drop while it runs: it would be restarted. Cancelled at once, nothing is left.
        drop(card, repo);
        QTRY_VERIFY(page->workspaceDialog(m_persona));
        dialog = page->workspaceDialog(m_persona);
        QTRY_COMPARE(dialog->stage(), WorkspaceDialog::Stage::Ready);
        const QString note = in<QLabel>(dialog, "workspaceRestartNote")->text();
        QVERIFY2(note.contains(QStringLiteral("is running with the workspace ") + workspace.path) &&
                     note.contains(QStringLiteral("restarted")),
                 qPrintable(note));
        in<QLineEdit>(dialog, "workspaceFeature")->setText(QStringLiteral("second"));
        const QString second = dialog->workspacePath();
        click(in<QPushButton>(dialog, "workspaceCreate"));
        click(in<QPushButton>(dialog, "workspaceCancel"));
        if (dialog) {
            // Cancelling, or the workspace was finished before the cancel reached it.
            QVERIFY(dialog->stage() == WorkspaceDialog::Stage::Cancelling ||
                    dialog->stage() == WorkspaceDialog::Stage::Created);
            QVERIFY(!in<QPushButton>(dialog, "workspaceCancel")->isEnabled() ||
                    dialog->stage() == WorkspaceDialog::Stage::Created);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!dialog || dialog->stage() == WorkspaceDialog::Stage::Created, 60000);
        if (!dialog) {
            QVERIFY2(!QFileInfo::exists(second), qPrintable(second));
        } else {
            qInfo("The second workspace was finished before the cancel reached it");
            QVERIFY(QFileInfo::exists(second));
            dialog->close();
        }
    }

    // A persona whose image is not there: Start fails and the card offers "Build agent image…",
    // which opens the build dialog for that image; once built, it offers to start the persona.
    void missingImageOffersABuild()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        const Persona persona = testPersona(m_missingPersona, m_missingImage);
        auto cleanup = qScopeGuard([&] { removeContainer(persona); });
        RuntimeThread runtime(options({persona}, *endpoint));
        auto page = showPage(runtime.get());
        QTRY_VERIFY_WITH_TIMEOUT(page->isEngineConnected(), 30000);
        QTRY_VERIFY(page->card(m_missingPersona));
        PersonaCard *card = page->card(m_missingPersona);
        auto *start = in<QToolButton>(card, "startButton");
        QTRY_VERIFY(start->isEnabled());
        QSignalSpy failed(runtime.get(), &PersonaRuntime::actionFailed);
        click(start);
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 30000);
        QCOMPARE(failed.first().at(2).value<Error>().code, Error::Code::NotFound);
        QTRY_VERIFY_WITH_TIMEOUT(card->isImageMissingShown(), 10000);
        QVERIFY(page->isImageMissing(m_missingImage));
        QVERIFY2(
            card->imageNotice().contains(QStringLiteral("The agent image %1 is missing").arg(m_missingImage)),
            qPrintable(card->imageNotice()));
        auto *build = in<QToolButton>(card, "buildImageButton");
        QVERIFY(build->isVisible());
        QVERIFY(!in<QToolButton>(card, "startNowButton")->isVisible());

        click(build);
        QPointer<ImageBuildDialog> dialog = page->imageBuildDialog(m_missingImage);
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(in<QLabel>(dialog, "imageBuildExplanation")->text().contains(m_missingImage));
        click(build); // a second click raises the same one
        QCOMPARE(page->findChildren<ImageBuildDialog *>().size(), 1);

        // (Not built here: test_image_build_dialog and test_image_builder do that.) Once built, the
        // card offers to start the persona; starting it asks the runtime again.
        emit dialog->imageBuilt(m_missingImage);
        QVERIFY(!page->isImageMissing(m_missingImage));
        QVERIFY(!card->isImageMissingShown());
        auto *startNow = in<QToolButton>(card, "startNowButton");
        QVERIFY(startNow->isVisible());
        QVERIFY(card->imageNotice().contains(QStringLiteral("is built")));
        QVERIFY(card->message().isEmpty()); // the failed start is past
        dialog->reject();
        QTRY_VERIFY(!dialog);
        failed.clear();
        click(startNow);
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 30000); // still not there, after all
        QTRY_VERIFY_WITH_TIMEOUT(card->isImageMissingShown(), 10000);
    }
};

QTEST_MAIN(TestWorkspaceDialog)
#include "test_workspace_dialog.moc"
