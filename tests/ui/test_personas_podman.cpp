// The Personas window with the real engine, its PersonaRuntime and podman: a persona from
// personas.json gets a card, Start runs its container (the card says "running", its sparklines get
// the engine's stats, its log viewer the container's output), Stop stops it, and the tray's Start
// and "Stop all agents" do the same.
#include "../core/AgentImage.h"
#include "../core/BusyboxImage.h"
#include "DesktopShell.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "personas/LogViewer.h"
#include "personas/PersonaCard.h"
#include "personas/PersonaStore.h"
#include "personas/PersonasPage.h"
#include "runtime/EngineClient.h"
#include "runtime/ImageBuilder.h"
#include "runtime/PersonaRuntime.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <unistd.h>

using namespace paddock;

namespace {

constexpr int StartTimeoutMs = 120'000;
constexpr int StopTimeoutMs = 60'000;

bool isDown(const QString &text)
{
    return text == QLatin1StringView("stopped") || text.startsWith(QLatin1StringView("exited"));
}

} // namespace

class TestPersonasPodman : public QObject
{
    Q_OBJECT

    // Unique on the shared podman: the area, the PID.
    const QString m_name = QStringLiteral("uipersona%1").arg(getpid());
    const int m_port = 30000 + getpid() % 20000;
    QTemporaryDir m_dir;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<DesktopShell> m_shell;

    // Whether the runtime said it finished `action` on the persona (a new action is refused as
    // busy until then, even when the engine already reported the container's new state).
    bool finished(const QSignalSpy &spy, const char *action) const
    {
        for (const QList<QVariant> &args : spy)
            if (args.at(0).toString() == m_name && args.at(1).toString() == QLatin1StringView(action))
                return true;
        return false;
    }

    void removeContainer()
    {
        auto endpoint = EngineClient::discover();
        if (!endpoint)
            return;
        EngineClient client(*endpoint);
        if (client.connect())
            (void)client.removeContainer(QStringLiteral("paddock-") + m_name, true, true);
    }

private slots:
    // An agent image from another recipe (an older Paddock's agents and entrypoint): the card offers
    // "Update agents…"; once the image is this recipe's, the offer is gone. Images of the user's own
    // (no io.paddock.image label) are never Paddock's to update.
    void outdatedAgentImageOffersUpdate()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY(endpoint);
        EngineClient client(*endpoint);
        QVERIFY(client.connect());
        const QString repo = QStringLiteral("localhost/paddock-outdated-%1").arg(getpid());
        auto cleanup = qScopeGuard([&] { (void)client.removeImage(repo + QStringLiteral(":1")); });
        auto import = [&](const QString &recipe) {
            return client.importImage(busyboxRootTar(), repo, QStringLiteral("1"),
                                      {QStringLiteral("LABEL io.paddock.image=agent"),
                                       QStringLiteral("LABEL io.paddock.recipe=") + recipe});
        };
        QVERIFY(import(QStringLiteral("0123456789abcdef")));
        PersonasPage page(nullptr);
        page.setEngineEndpoint(*endpoint);
        Persona p = Persona::defaults(repo + QStringLiteral(":1")).at(2);
        page.applyPersonas({p});
        page.applyEngine(true, QStringLiteral("podman"));
        PersonaCard *card = page.card(p.name);
        QVERIFY(card);
        QTRY_VERIFY_WITH_TIMEOUT(card->isImageOutdatedShown(), 15000);
        QVERIFY(page.isImageOutdated(p.image));
        QVERIFY(card->imageNotice().contains(QStringLiteral("another version of Paddock")));
        auto *update = card->findChild<QToolButton *>(QStringLiteral("buildImageButton"));
        QVERIFY(update && update->isVisibleTo(card));
        QCOMPARE(update->text(), QStringLiteral("Update agents…"));
        // This Paddock's recipe (a busybox image has no agents: the recipe without them).
        QVERIFY(import(ImageBuilder::currentRecipe(false)));
        page.recheckImages();
        QTRY_VERIFY_WITH_TIMEOUT(!card->isImageOutdatedShown(), 15000);
        QVERIFY(card->imageNotice().isEmpty());
    }

    void initTestCase()
    {
        auto endpoint = EngineClient::discover();
        QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().text()));
        const QString image = ensureAgentImage();
        QVERIFY2(image.isEmpty(), qPrintable(image));

        // personas.json in the test's own configuration folder (tests/isolated).
        Persona p;
        p.name = m_name;
        p.trust = Persona::Trust::Full;
        p.image = agentImageName();
        p.entrypoint = {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                        QStringLiteral("trap 'exit 0' TERM; echo hello from the personas window; "
                                       "while true; do sleep 1; done")};
        p.ports = {{m_port, 8080}};
        p.limits.memoryMb = 256;
        QVERIFY(QDir().mkpath(QFileInfo(PersonaStore::defaultPath()).path()));
        QFile file(PersonaStore::defaultPath());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(PersonaStore::serialize({p}));
        file.close();
        removeContainer(); // left over from a run that was killed

        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("settings.json")));
        m_engine = std::make_unique<Engine>();
        m_engine->start();
        m_shell = std::make_unique<DesktopShell>(*m_settings, *m_engine, nullptr);
        m_shell->start(false);
        QVERIFY(QTest::qWaitForWindowExposed(m_shell->mainWindow()));
        QVERIFY(m_shell->mainWindow()->showPage(QStringLiteral("personas")));
    }

    void cleanupTestCase()
    {
        m_shell.reset();
        if (m_engine)
            m_engine->stop();
        m_engine.reset();
        removeContainer();
    }

    void startAndStopFromTheCard()
    {
        PersonasPage *page = m_shell->personasPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->card(m_name), 20000);
        PersonaCard *card = page->card(m_name);
        QCOMPARE(page->cards().size(), 1);
        auto *start = card->findChild<QToolButton *>(QStringLiteral("startButton"));
        auto *stop = card->findChild<QToolButton *>(QStringLiteral("stopButton"));
        auto *badge = card->findChild<QLabel *>(QStringLiteral("statusBadge"));
        QTRY_VERIFY_WITH_TIMEOUT(page->isEngineConnected(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(isDown(badge->text()), 30000);
        QTRY_VERIFY(start->isEnabled());

        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY2_WITH_TIMEOUT(badge->text() == QStringLiteral("running"),
                                  qPrintable(badge->text() + u' ' + card->message()), StartTimeoutMs);
        QVERIFY(card->findChild<QLabel *>(QStringLiteral("uptimeLabel"))
                    ->text()
                    .startsWith(QStringLiteral("up ")));
        QVERIFY(page->watched().contains(m_name));

        // The engine's stats reach the sparkline (the card is on screen, so it is watched).
        auto *cpu = card->findChild<QChartView *>(QStringLiteral("cpuSparkline"));
        QTRY_VERIFY_WITH_TIMEOUT(qobject_cast<QLineSeries *>(cpu->chart()->series().value(0))->count() >= 2,
                                 20000);
        QVERIFY(card->findChild<QLabel *>(QStringLiteral("memoryLabel"))
                    ->text()
                    .contains(QStringLiteral(" of ")));

        // The log viewer shows what the container wrote.
        QTest::mouseClick(card->findChild<QToolButton *>(QStringLiteral("logsButton")), Qt::LeftButton);
        LogViewer *viewer = page->logViewer(m_name);
        QVERIFY(viewer);
        QTRY_VERIFY_WITH_TIMEOUT(viewer->text().contains(QStringLiteral("hello from the personas window")),
                                 20000);
        viewer->close();

        QTRY_VERIFY(stop->isEnabled());
        QSignalSpy done(m_engine->personaRuntime(), &PersonaRuntime::actionFinished);
        QTest::mouseClick(stop, Qt::LeftButton);
        QTRY_VERIFY2_WITH_TIMEOUT(isDown(badge->text()), qPrintable(badge->text()), StopTimeoutMs);
        QVERIFY(!card->findChild<QLabel *>(QStringLiteral("uptimeLabel"))->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(finished(done, "stop"), StopTimeoutMs);
    }

    void startFromTheTrayAndStopAll()
    {
        TrayIcon *tray = m_shell->tray();
        QMenu *menu = tray->personaMenu(m_name);
        QVERIFY(menu);
        auto *start = menu->findChild<QAction *>(QStringLiteral("trayPersonaStart"));
        QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled(), 30000);
        start->trigger();
        QTRY_VERIFY2_WITH_TIMEOUT(menu->title().endsWith(QStringLiteral("running")),
                                  qPrintable(menu->title()), StartTimeoutMs);
        QTRY_COMPARE(
            m_shell->personasPage()->card(m_name)->findChild<QLabel *>(QStringLiteral("statusBadge"))->text(),
            QStringLiteral("running"));
        QVERIFY(tray->stopAllAction()->isEnabled());
        QSignalSpy done(m_engine->personaRuntime(), &PersonaRuntime::actionFinished);
        tray->stopAllAction()->trigger();
        QTRY_VERIFY2_WITH_TIMEOUT(isDown(menu->title().section(QStringLiteral(" — "), 1)),
                                  qPrintable(menu->title()), StopTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(finished(done, "stop"), StopTimeoutMs);
    }
};

QTEST_MAIN(TestPersonasPodman)
#include "test_personas_podman.moc"
