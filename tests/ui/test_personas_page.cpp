// The Personas window as a user meets it: cards for the personas, their state, uptime and
// sparklines, the buttons and what they ask for, the edit dialog's checks and relaxations, the
// delete confirmation, folders dropped on a card, the log viewer, which cards are watched, and the
// no-engine state, both as the runtime's signals drive it and with a real PersonaRuntime that has
// no engine to reach.
#include "NoEngineRuntime.h"
#include "personas/LogViewer.h"
#include "personas/PersonaCard.h"
#include "personas/PersonaEditDialog.h"
#include "personas/PersonaStore.h"
#include "personas/PersonasPage.h"
#include "runtime/PersonaRuntime.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QUrl>

using namespace paddock;
using State = PersonaStatus::State;

namespace {

const QColor Red(0xc6, 0x28, 0x28);

PersonaStatus status(const QString &persona, State state, int exitCode = -1)
{
    PersonaStatus s{persona};
    s.state = state;
    s.exitCode = exitCode;
    if (state == State::Running) {
        s.startedAt = QDateTime::currentDateTimeUtc().addSecs(-65);
        s.containerId = QStringLiteral("c0ffee");
    }
    return s;
}

QList<EngineClient::LogLine> logLines(int from, int count, const QString &word = QStringLiteral("line"))
{
    QList<EngineClient::LogLine> lines;
    for (int i = from; i < from + count; ++i)
        lines.append(
            {EngineClient::LogLine::Stream::Stdout, QStringLiteral("%1 %2").arg(word).arg(i).toUtf8()});
    return lines;
}

} // namespace

class TestPersonasPage : public QObject
{
    Q_OBJECT

    std::unique_ptr<PersonasPage> m_page;
    QList<Persona> m_personas = Persona::defaults(QStringLiteral("localhost/paddock-agent:test"));

    template <typename T> static T *waitForModal(const char *name)
    {
        for (int i = 0; i < 500; ++i) {
            if (auto *w = qobject_cast<T *>(QApplication::activeModalWidget());
                w && w->objectName() == QLatin1StringView(name) && w->isVisible())
                return w;
            QTest::qWait(10);
        }
        return nullptr;
    }

    PersonaCard *card(const char *name) const { return m_page->card(QLatin1StringView(name)); }
    template <typename T = QLabel> static T *in(QWidget *w, const char *name)
    {
        return w->findChild<T *>(QLatin1StringView(name));
    }
    static QToolButton *button(PersonaCard *c, const char *name) { return in<QToolButton>(c, name); }
    static QLineSeries *series(PersonaCard *c, const char *chart)
    {
        return qobject_cast<QLineSeries *>(in<QChartView>(c, chart)->chart()->series().value(0));
    }

    void dispatch(QWidget *target, QEvent *event) { QApplication::sendEvent(target, event); }

private slots:
    void init()
    {
        m_page = std::make_unique<PersonasPage>(nullptr);
        m_page->resize(1000, 900);
        m_page->applyPersonas(m_personas);
        m_page->applyEngine(true, QStringLiteral("podman 5.4.2 at /run/podman/podman.sock"));
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    }

    void cleanup() { m_page.reset(); }

    void cardsAppearForPersonas()
    {
        QCOMPARE(m_page->cards().size(), 3);
        QCOMPARE(m_page->cards().at(0)->name(), QStringLiteral("dev"));
        PersonaCard *web = card("web");
        QVERIFY(web);
        QCOMPARE(web->objectName(), QStringLiteral("personaCard-web"));
        QCOMPARE(in(web, "personaName")->text(), QStringLiteral("web"));
        QCOMPARE(in(web, "trustBadge")->text(), QStringLiteral("moderate trust"));
        QVERIFY(in(web, "trustBadge")
                    ->styleSheet()
                    .contains(PersonaCard::trustColor(Persona::Trust::Moderate).name()));
        QCOMPARE(in(card("agent"), "trustBadge")->text(), QStringLiteral("restricted"));
        QVERIFY(in(web, "portsLabel")->text().contains(QStringLiteral("127.0.0.1:4096 → 4096")));
        QVERIFY(in(web, "portsLabel")->text().contains(QStringLiteral("Ways out: no network")));
        QVERIFY(
            in(card("dev"), "portsLabel")->text().contains(QStringLiteral("Ways out: the default network")));
        QVERIFY(!in(web, "relaxedLabel")->isVisible()); // the defaults relax nothing
        QVERIFY(!in(m_page.get(), "noPersonasLabel")->isVisible());
        QVERIFY(!in<QWidget>(m_page.get(), "noEnginePanel")->isVisible());

        // A persona that relaxes hardening says so on its card; a removed one's card goes.
        QVERIFY(!in(web, "portsLabel")->text().contains(QStringLiteral("Egress proxy")));
        QList<Persona> two{m_personas.at(2), m_personas.at(1)};
        two[0].relaxed.rootUser = true;
        two[1].proxyLoopbackPort = 3129; // web, with a loopback listener: where it is
        m_page->applyPersonas(two);
        QCOMPARE(m_page->cards().size(), 2);
        QVERIFY(in(card("web"), "portsLabel")
                    ->text()
                    .contains(QStringLiteral("Egress proxy for it on this host: 127.0.0.1:3129")));
        QCOMPARE(m_page->cards().at(0)->name(), QStringLiteral("agent"));
        QVERIFY(!card("dev"));
        QTRY_VERIFY(in(card("agent"), "relaxedLabel")->isVisible());
        QVERIFY(in(card("agent"), "relaxedLabel")->text().contains(QStringLiteral("runs as root")));

        m_page->applyPersonas({});
        QVERIFY(m_page->cards().isEmpty());
        QVERIFY(in(m_page.get(), "noPersonasLabel")->isVisible());
    }

    void statusChangesUpdateTheCard()
    {
        PersonaCard *web = card("web");
        QLabel *badge = in(web, "statusBadge");
        QLabel *uptime = in(web, "uptimeLabel");
        QCOMPARE(badge->text(), QStringLiteral("unknown"));
        QVERIFY(!uptime->isVisible());

        m_page->applyStatus(status(QStringLiteral("web"), State::Starting));
        QCOMPARE(badge->text(), QStringLiteral("starting"));
        m_page->applyStatus(status(QStringLiteral("web"), State::Running));
        QCOMPARE(badge->text(), QStringLiteral("running"));
        QVERIFY(uptime->isVisible());
        QCOMPARE(uptime->text(), QStringLiteral("up 1 min 05 s"));
        // It ticks while on screen…
        QTRY_VERIFY_WITH_TIMEOUT(uptime->text() != QStringLiteral("up 1 min 05 s"), 2500);
        // …and not while hidden.
        m_page->hide();
        QVERIFY(!web->isOnScreen());
        const QString hidden = uptime->text();
        QTest::qWait(1300);
        QCOMPARE(uptime->text(), hidden);
        m_page->show();
        QTRY_VERIFY(web->isOnScreen());
        QVERIFY(uptime->text() != hidden);

        m_page->applyStatus(status(QStringLiteral("web"), State::Exited, 3));
        QCOMPARE(badge->text(), QStringLiteral("exited (code 3)"));
        QVERIFY(badge->styleSheet().contains(Red.name()));
        QVERIFY(!uptime->isVisible());

        PersonaStatus failed = status(QStringLiteral("web"), State::Error);
        failed.message = QStringLiteral("the image localhost/nope was not found\nPull it first.");
        m_page->applyStatus(failed);
        QCOMPARE(badge->text(), QStringLiteral("error"));
        QVERIFY(web->message().contains(QStringLiteral("localhost/nope was not found")));
        QVERIFY(in(web, "cardMessage")->isVisible());

        // A workspace in use is shown.
        PersonaStatus withWorkspace = status(QStringLiteral("web"), State::Running);
        withWorkspace.workspace = QStringLiteral("/home/me/work/paddock");
        m_page->applyStatus(withWorkspace);
        QVERIFY(in(web, "workspaceLabel")->text().contains(QStringLiteral("/home/me/work/paddock")));
        QVERIFY(!in(web, "cardMessage")->isVisible()); // the old error is gone once it runs

        // A status for a persona without a card yet is kept for its card.
        m_page->applyStatus(status(QStringLiteral("new"), State::Running));
        Persona fresh = m_personas.at(0);
        fresh.name = QStringLiteral("new");
        fresh.ports.clear();
        m_page->applyPersonas(m_personas + QList<Persona>{fresh});
        QCOMPARE(in(card("new"), "statusBadge")->text(), QStringLiteral("running"));
    }

    void sparklinesGetPointsFromSamples()
    {
        QTRY_COMPARE(m_page->watched(),
                     (QStringList{QStringLiteral("dev"), QStringLiteral("web"), QStringLiteral("agent")}));
        PersonaCard *dev = card("dev");
        m_page->applyStatus(status(QStringLiteral("dev"), State::Running));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const int before = dev->refreshCount();
        for (int i = 0; i < 5; ++i) {
            PersonaSample s;
            s.persona = QStringLiteral("dev");
            s.timeMs = now + i * 1000;
            s.cpuPercent = 10.0 * i;
            s.memoryBytes = (100 + i) * 1024 * 1024;
            s.memoryLimit = 2048LL * 1024 * 1024;
            m_page->applySample(s);
        }
        QTRY_COMPARE(series(dev, "cpuSparkline")->count(), 5);
        QCOMPARE(series(dev, "memorySparkline")->count(), 5);
        QCOMPARE(series(dev, "cpuSparkline")->at(4).y(), 40.0);
        QCOMPARE(series(dev, "memorySparkline")->at(0).y(), qreal(100 * 1024 * 1024));
        QCOMPARE(in(dev, "cpuLabel")->text(), QStringLiteral("CPU: 40.0 %"));
        QVERIFY(in(dev, "memoryLabel")->text().contains(QStringLiteral("of 2.00 GiB")));
        // Five samples at once: one redraw (at most one a second).
        QCOMPARE(dev->refreshCount(), before + 1);
        QVERIFY(series(card("web"), "cpuSparkline")->count() == 0); // only dev's

        // While hidden: kept, not drawn; drawn when shown again.
        m_page->hide();
        QTest::qWait(1100);
        PersonaSample late;
        late.persona = QStringLiteral("dev");
        late.timeMs = now + 5000;
        m_page->applySample(late);
        const int hiddenCount = dev->refreshCount();
        QTest::qWait(1200);
        QCOMPARE(dev->refreshCount(), hiddenCount);
        QCOMPARE(series(dev, "cpuSparkline")->count(), 5);
        m_page->show();
        QTRY_COMPARE(series(dev, "cpuSparkline")->count(), 6);

        // A new run starts a new history.
        m_page->applyStatus(status(QStringLiteral("dev"), State::Exited, 0));
        m_page->applyStatus(status(QStringLiteral("dev"), State::Running));
        QCOMPARE(dev->sampleCount(), 0);
        QTRY_COMPARE(series(dev, "cpuSparkline")->count(), 0);
    }

    void buttonsAskForTheActions()
    {
        QSignalSpy start(m_page.get(), &PersonasPage::startRequested);
        QSignalSpy stop(m_page.get(), &PersonasPage::stopRequested);
        QSignalSpy restart(m_page.get(), &PersonasPage::restartRequested);
        PersonaCard *agent = card("agent");
        m_page->applyStatus(status(QStringLiteral("agent"), State::Stopped));
        QVERIFY(button(agent, "startButton")->isEnabled());
        QVERIFY(!button(agent, "stopButton")->isEnabled());
        QVERIFY(!button(agent, "copyShellButton")->isEnabled());
        QTest::mouseClick(button(agent, "startButton"), Qt::LeftButton);
        QCOMPARE(start.count(), 1);
        QCOMPARE(start.at(0).at(0).toString(), QStringLiteral("agent"));

        m_page->applyStatus(status(QStringLiteral("agent"), State::Running));
        QVERIFY(!button(agent, "startButton")->isEnabled());
        QTest::mouseClick(button(agent, "restartButton"), Qt::LeftButton);
        QCOMPARE(restart.count(), 1);
        QTest::mouseClick(button(agent, "stopButton"), Qt::LeftButton);
        QCOMPARE(stop.count(), 1);
        QCOMPARE(stop.at(0).at(0).toString(), QStringLiteral("agent"));

        // The shell command goes with the engine.
        QTest::mouseClick(button(agent, "copyShellButton"), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("podman exec -it paddock-agent bash"));
        QVERIFY(m_page->message().contains(QStringLiteral("podman exec -it paddock-agent bash")));
        m_page->applyEngine(true, QStringLiteral("docker 27.3.1 at /var/run/docker.sock"));
        QTest::mouseClick(button(agent, "copyShellButton"), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("docker exec -it paddock-agent bash"));

        // Open terminal: the terminal emulator from Preferences (here a script that writes down what
        // it was asked to run, started as a real program) running the engine's exec -it into the
        // persona's tmux session.
        m_page->applyEngine(true, QStringLiteral("podman 5.4.2 at /run/podman/podman.sock"));
        m_page->applyStatus(status(QStringLiteral("agent"), State::Running));
        m_page->setEngineEndpoint(EngineClient::Endpoint{QStringLiteral("/run/podman/podman.sock"), {}});
        QTemporaryDir dir;
        const QString script = dir.filePath(QStringLiteral("my-terminal"));
        const QString record = dir.filePath(QStringLiteral("argv"));
        {
            QFile f(script);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("#!/bin/sh\nprintf '%s\\n' \"$@\" > ") + QFile::encodeName(record) + "\n");
            f.close();
            QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        }
        m_page->setTerminal(script + QStringLiteral(" --title agent -e"));
        QVERIFY(button(agent, "openTerminalButton")->isEnabled());
        QTest::mouseClick(button(agent, "openTerminalButton"), Qt::LeftButton);
        QTRY_VERIFY(QFileInfo::exists(record) && QFileInfo(record).size() > 0);
        QFile recorded(record);
        QVERIFY(recorded.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(recorded.readAll()).split(u'\n', Qt::SkipEmptyParts),
                 (QStringList{QStringLiteral("--title"), QStringLiteral("agent"), QStringLiteral("-e"),
                              QStringLiteral("podman"), QStringLiteral("--url"),
                              QStringLiteral("unix:///run/podman/podman.sock"), QStringLiteral("exec"),
                              QStringLiteral("-it"), QStringLiteral("paddock-agent"), QStringLiteral("tmux"),
                              QStringLiteral("new-session"), QStringLiteral("-A"), QStringLiteral("-s"),
                              QStringLiteral("agent"), QStringLiteral("-c"),
                              QStringLiteral("/home/dev/workspace")}));
        QVERIFY(agent->message().contains(QStringLiteral("Ctrl-b d")));
        // The desktop's default, and a terminal that is not there: said on the card, with what to do.
        m_page->setTerminal({});
        QCOMPARE(m_page->terminalCommandFor(QStringLiteral("agent")).mid(0, 3),
                 (QStringList{QStringLiteral("x-terminal-emulator"), QStringLiteral("-e"),
                              QStringLiteral("podman")}));
        m_page->setTerminal(dir.filePath(QStringLiteral("no-such-terminal")) + QStringLiteral(" -e"));
        QTest::mouseClick(button(agent, "openTerminalButton"), Qt::LeftButton);
        QVERIFY2(agent->message().contains(QStringLiteral("Could not start the terminal")),
                 qPrintable(agent->message()));
        QVERIFY(agent->message().contains(QStringLiteral("Preferences")));
        // VS Code, when it is installed: its attached-container URI on the workspace.
        QStringList launched;
        m_page->setLauncher([&](const QStringList &argv) {
            launched = argv;
            return true;
        });
        m_page->setVsCodeAvailable(true);
        QVERIFY(button(agent, "openVsCodeButton")->isVisibleTo(agent));
        QTest::mouseClick(button(agent, "openVsCodeButton"), Qt::LeftButton);
        QCOMPARE(launched.first(), QStringLiteral("code"));
        QCOMPARE(launched.last(),
                 QStringLiteral("vscode-remote://attached-container+") +
                     QString::fromLatin1(QByteArray(R"({"containerName":"/paddock-agent"})").toHex()) +
                     QStringLiteral("/home/dev/workspace"));
        m_page->setVsCodeAvailable(false);
        QVERIFY(!button(agent, "openVsCodeButton")->isVisibleTo(agent));

        // Stop all, and a failed action said on the card and the page.
        QSignalSpy stopAll(m_page.get(), &PersonasPage::stopAllRequested);
        QTest::mouseClick(in<QPushButton>(m_page.get(), "stopAllButton"), Qt::LeftButton);
        QCOMPARE(stopAll.count(), 1);
        m_page->applyActionFailed(QStringLiteral("agent"), QStringLiteral("start"),
                                  Error{Error::Code::Unavailable, QStringLiteral("port 18789 is in use"),
                                        QStringLiteral("agent"), QStringLiteral("Free the port.")});
        QVERIFY(agent->message().contains(QStringLiteral("Could not start agent")));
        QVERIFY(agent->message().contains(QStringLiteral("port 18789 is in use")));
        QVERIFY(m_page->message().contains(QStringLiteral("Free the port.")));
    }

    void editDialogChecksAndShowsRelaxationsInRed()
    {
        QSignalSpy updated(m_page.get(), &PersonasPage::updateRequested);
        QTest::mouseClick(button(card("web"), "editButton"), Qt::LeftButton);
        QPointer<PersonaEditDialog> dialog = waitForModal<PersonaEditDialog>("personaEditDialog");
        QVERIFY(dialog);
        QCOMPARE(in<QLineEdit>(dialog, "nameEdit")->text(), QStringLiteral("web"));
        QCOMPARE(in<QLineEdit>(dialog, "portsEdit")->text(), QStringLiteral("4096:4096"));
        QCOMPARE(in<QLineEdit>(dialog, "volumesEdit")->text(),
                 QStringLiteral("paddock-web-home:/home/dev, paddock-web-cache:/home/dev/.cache"));
        QCOMPARE(in<QLineEdit>(dialog, "sshKeyEdit")->text(), QStringLiteral("web-deploy-key"));
        QLabel *relaxations = in(dialog, "relaxationsLabel");
        QVERIFY(!relaxations->isVisible());

        // Ticking a relaxation shows Persona's sentence for it, in red.
        in<QCheckBox>(dialog, "writableRootCheck")->setChecked(true);
        QVERIFY(relaxations->isVisible());
        QVERIFY(relaxations->text().contains(QStringLiteral("the root file system is writable")));
        QCOMPARE(relaxations->palette().color(QPalette::WindowText), Red);
        QLineEdit *caps = in<QLineEdit>(dialog, "capabilitiesEdit");
        QTest::keyClicks(caps, QStringLiteral("net_bind_service"));
        QVERIFY(relaxations->text().contains(QStringLiteral("capability NET_BIND_SERVICE is granted")));

        // A port out of range, one that is not a number, one another persona publishes: refused.
        auto ok = [dialog] {
            QTest::mouseClick(in<QDialogButtonBox>(dialog, "buttons")->button(QDialogButtonBox::Ok),
                              Qt::LeftButton);
        };
        QLineEdit *ports = in<QLineEdit>(dialog, "portsEdit");
        ports->setText(QStringLiteral("70000:4096"));
        ok();
        QVERIFY(dialog->isVisible());
        QVERIFY(in(dialog, "errorLabel")->isVisible());
        QVERIFY2(dialog->errorText().contains(QStringLiteral("out of range")),
                 qPrintable(dialog->errorText()));
        ports->setText(QStringLiteral("http"));
        ok();
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->errorText().contains(QStringLiteral("\"http\" is not a port")));
        QVERIFY(dialog->errorText().contains(QStringLiteral("HOST:CONTAINER")));
        ports->setText(QStringLiteral("2222:22"));
        ok();
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->errorText().contains(QStringLiteral("already published by \"dev\"")));
        QCOMPARE(updated.count(), 0);

        // A good one is asked for, with every field.
        ports->setText(QStringLiteral("4097:4096, 8080"));
        ok();
        QTRY_VERIFY(!dialog); // accepted and closed
        QCOMPARE(updated.count(), 1);
        QCOMPARE(updated.at(0).at(0).toString(), QStringLiteral("web"));
        const auto edited = updated.at(0).at(1).value<Persona>();
        QCOMPARE(edited.ports.size(), 2);
        QCOMPARE(edited.ports.at(0).host, 4097);
        QCOMPARE(edited.ports.at(1).container, 8080);
        QVERIFY(edited.relaxed.writableRoot);
        QCOMPARE(edited.relaxed.capabilities, QStringList{QStringLiteral("NET_BIND_SERVICE")});
        QCOMPARE(edited.entrypoint, m_personas.at(1).entrypoint);
        QCOMPARE(edited.sshKey, QStringLiteral("web-deploy-key"));
    }

    void editDialogFieldsRoundTrip()
    {
        Persona p = m_personas.at(0);
        p.entrypoint = {QStringLiteral("/bin/sh"), QStringLiteral("-c"), QStringLiteral("echo \"hi there\""),
                        QStringLiteral("a\\b")};
        p.auditFailMode = AuditFailMode::Closed;
        p.limits.cpus = 1.5;
        p.limits.memoryMb = 512;
        PersonaEditDialog dialog(p, {});
        auto back = dialog.persona();
        QVERIFY(back);
        QCOMPARE(back->entrypoint, p.entrypoint);
        QCOMPARE(back->auditFailMode, p.auditFailMode);
        QCOMPARE(back->limits.cpus, 1.5);
        QCOMPARE(back->limits.memoryMb, qint64(512));
        QCOMPARE(back->deployKey, false);
        QCOMPARE(back->volumes.size(), 2); // home and caches

        // Limits too small are refused by the store's rules.
        in<QSpinBox>(&dialog, "memorySpin")->setValue(16);
        dialog.accept();
        QVERIFY(dialog.errorText().contains(QStringLiteral("limits are too small")));
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
    }

    void deleteAsksForConfirmation()
    {
        QSignalSpy removed(m_page.get(), &PersonasPage::removeRequested);
        // Cancel: nothing happens.
        QTimer::singleShot(0, this, [] {
            if (auto *box = waitForModal<QMessageBox>("deleteConfirmBox"))
                QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        });
        QTest::mouseClick(button(card("dev"), "deleteButton"), Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
        QTest::qWait(50);
        QCOMPARE(removed.count(), 0);

        // Delete, keeping the volumes (the default)…
        QTimer::singleShot(0, this, [] {
            if (auto *box = waitForModal<QMessageBox>("deleteConfirmBox")) {
                QVERIFY(box->text().contains(QStringLiteral("\"dev\"")));
                QVERIFY(!box->checkBox()->isChecked());
                QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("confirmDeleteButton")),
                                  Qt::LeftButton);
            }
        });
        QTest::mouseClick(button(card("dev"), "deleteButton"), Qt::LeftButton);
        QTRY_COMPARE(removed.count(), 1);
        QCOMPARE(removed.at(0).at(0).toString(), QStringLiteral("dev"));
        QCOMPARE(removed.at(0).at(1).toBool(), false);

        // …or with them, when asked.
        QTimer::singleShot(0, this, [] {
            if (auto *box = waitForModal<QMessageBox>("deleteConfirmBox")) {
                box->checkBox()->setChecked(true);
                QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("confirmDeleteButton")),
                                  Qt::LeftButton);
            }
        });
        QTest::mouseClick(button(card("web"), "deleteButton"), Qt::LeftButton);
        QTRY_COMPARE(removed.count(), 2);
        QCOMPARE(removed.at(1).at(0).toString(), QStringLiteral("web"));
        QCOMPARE(removed.at(1).at(1).toBool(), true);

        m_page->applyActionFinished(QStringLiteral("web"), QStringLiteral("remove"));
        QVERIFY(m_page->message().contains(QStringLiteral("web was deleted")));
    }

    void duplicateAsksForAName()
    {
        QSignalSpy duplicated(m_page.get(), &PersonasPage::duplicateRequested);
        QTest::mouseClick(button(card("web"), "duplicateButton"), Qt::LeftButton);
        auto *dialog = waitForModal<QInputDialog>("duplicateDialog");
        QVERIFY(dialog);
        QCOMPARE(dialog->textValue(), QStringLiteral("web-copy"));
        dialog->setTextValue(QStringLiteral("web2 "));
        dialog->accept();
        QTRY_COMPARE(duplicated.count(), 1);
        QCOMPARE(duplicated.at(0).at(0).toString(), QStringLiteral("web"));
        QCOMPARE(duplicated.at(0).at(1).toString(), QStringLiteral("web2"));
    }

    void droppingAFolderAsksForAWorkspace()
    {
        QSignalSpy requested(m_page.get(), &PersonasPage::workspaceRequested);
        PersonaCard *agent = card("agent");
        QTemporaryDir folder;
        QMimeData data;
        data.setUrls({QUrl::fromLocalFile(folder.path())});
        const QPoint at = agent->rect().center();

        QDragEnterEvent enter(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        dispatch(agent, &enter);
        QVERIFY(enter.isAccepted());
        QVERIFY(agent->isDropHighlighted());
        QVERIFY(!card("web")->isDropHighlighted());
        QDragLeaveEvent leave;
        dispatch(agent, &leave);
        QVERIFY(!agent->isDropHighlighted());

        dispatch(agent, &enter);
        QVERIFY(agent->isDropHighlighted());
        QDropEvent drop(QPointF(at), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        dispatch(agent, &drop);
        QVERIFY(drop.isAccepted());
        QVERIFY(!agent->isDropHighlighted());
        QVERIFY(requested.wait(5000));
        QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("agent"));
        QCOMPARE(requested.at(0).at(1).toString(), QFileInfo(folder.path()).canonicalFilePath());
    }

    void droppingAnythingElseIsRefused()
    {
        QSignalSpy requested(m_page.get(), &PersonasPage::workspaceRequested);
        PersonaCard *web = card("web");
        const QPoint at = web->rect().center();

        // A file: the drop is checked off the UI thread, then refused on the card.
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("notes.txt"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        QMimeData fileData;
        fileData.setUrls({QUrl::fromLocalFile(file)});
        QDragEnterEvent fileEnter(at, Qt::CopyAction, &fileData, Qt::LeftButton, Qt::NoModifier);
        dispatch(web, &fileEnter); // (whether it is a folder is not known yet)
        QDropEvent fileDrop(QPointF(at), Qt::CopyAction, &fileData, Qt::LeftButton, Qt::NoModifier);
        dispatch(web, &fileDrop);
        QTRY_VERIFY2(web->message().contains(QStringLiteral("notes.txt is not a folder")),
                     qPrintable(web->message()));
        QVERIFY(in(web, "cardMessage")->isVisible());
        QCOMPARE(in(web, "cardMessage")->palette().color(QPalette::WindowText), Red);

        // Something on another computer, two folders, plain text: refused at once.
        QMimeData remote;
        remote.setUrls({QUrl(QStringLiteral("https://example.com/repo.git"))});
        QDragEnterEvent remoteEnter(at, Qt::CopyAction, &remote, Qt::LeftButton, Qt::NoModifier);
        dispatch(web, &remoteEnter);
        QVERIFY(!remoteEnter.isAccepted());
        QVERIFY(!web->isDropHighlighted());
        QVERIFY(web->message().contains(QStringLiteral("is not on this computer")));

        QMimeData two;
        two.setUrls({QUrl::fromLocalFile(dir.path()), QUrl::fromLocalFile(QDir::tempPath())});
        QDragEnterEvent twoEnter(at, Qt::CopyAction, &two, Qt::LeftButton, Qt::NoModifier);
        dispatch(web, &twoEnter);
        QVERIFY(!twoEnter.isAccepted());
        QVERIFY(web->message().contains(QStringLiteral("one folder at a time")));

        QMimeData text;
        text.setText(QStringLiteral("/home/me/project"));
        QDragEnterEvent textEnter(at, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        dispatch(web, &textEnter);
        QVERIFY(!textEnter.isAccepted());
        QVERIFY(web->message().contains(QStringLiteral("Only a folder can be dropped here")));

        QTest::qWait(100);
        QCOMPARE(requested.count(), 0);
    }

    void logViewerFollowsAndSearches()
    {
        QSignalSpy follow(m_page.get(), &PersonasPage::followLogsRequested);
        QSignalSpy unfollow(m_page.get(), &PersonasPage::unfollowLogsRequested);
        m_page->applyStatus(status(QStringLiteral("dev"), State::Running));
        QTest::mouseClick(button(card("dev"), "logsButton"), Qt::LeftButton);
        QCOMPARE(follow.count(), 1);
        QCOMPARE(follow.at(0).at(0).toString(), QStringLiteral("dev"));
        QCOMPARE(follow.at(0).at(1).toInt(), PersonasPage::LogTail);
        LogViewer *viewer = m_page->logViewer(QStringLiteral("dev"));
        QVERIFY(viewer);
        QVERIFY(QTest::qWaitForWindowExposed(viewer));
        QCOMPARE(viewer->objectName(), QStringLiteral("logViewer-dev"));
        // A second click raises the same viewer.
        QTest::mouseClick(button(card("dev"), "logsButton"), Qt::LeftButton);
        QCOMPARE(follow.count(), 1);

        // Lines for another persona are not shown; the viewer's come in batches.
        m_page->applyLogLines(QStringLiteral("web"), logLines(0, 3));
        m_page->applyLogLines(QStringLiteral("dev"), logLines(0, 300));
        m_page->applyLogLines(QStringLiteral("dev"), {{EngineClient::LogLine::Stream::Stderr,
                                                       QByteArray("\x1b[31mneedle in red\x1b[0m")}});
        QCOMPARE(viewer->lineCount(), 0); // not yet: batched
        QTRY_COMPARE(viewer->lineCount(), 301);
        QVERIFY(viewer->text().endsWith(QStringLiteral("line 299\nneedle in red"))); // escapes gone
        QPlainTextEdit *text = viewer->textView();
        QScrollBar *bar = text->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        QCOMPARE(bar->value(), bar->maximum()); // following

        // Not following: new lines do not move the view.
        viewer->setFollowing(false);
        bar->setValue(0);
        m_page->applyLogLines(QStringLiteral("dev"), logLines(300, 50));
        QTRY_COMPARE(viewer->lineCount(), 351);
        QCOMPARE(bar->value(), 0);
        viewer->setFollowing(true);
        QCOMPARE(bar->value(), bar->maximum());

        // Search: every match highlighted, next and previous step through them (wrapping).
        m_page->applyLogLines(QStringLiteral("dev"), logLines(0, 2, QStringLiteral("needle")));
        viewer->flush();
        in<QLineEdit>(viewer, "searchEdit")->setText(QStringLiteral("NEEDLE"));
        QCOMPARE(viewer->matchCount(), 3);
        QCOMPARE(text->extraSelections().size(), 3);
        QCOMPARE(in(viewer, "matchLabel")->text(), QStringLiteral("3 matches"));
        QTest::mouseClick(in<QToolButton>(viewer, "findNextButton"), Qt::LeftButton);
        QCOMPARE(viewer->currentMatchLine(), 300);
        QVERIFY(!viewer->isFollowing()); // searching stops following
        viewer->findNext();
        QCOMPARE(viewer->currentMatchLine(), 351);
        viewer->findNext();
        viewer->findNext(); // wraps to the first again
        QCOMPARE(viewer->currentMatchLine(), 300);
        QTest::mouseClick(in<QToolButton>(viewer, "findPreviousButton"), Qt::LeftButton);
        QCOMPARE(viewer->currentMatchLine(), 352); // wraps backwards to the last
        in<QLineEdit>(viewer, "searchEdit")->setText(QStringLiteral("nowhere"));
        QCOMPARE(viewer->matchCount(), 0);
        QVERIFY(!in<QToolButton>(viewer, "findNextButton")->isEnabled());

        // Closing it stops following the log.
        viewer->close();
        QTRY_COMPARE(unfollow.count(), 1);
        QCOMPARE(unfollow.at(0).at(0).toString(), QStringLiteral("dev"));
        QVERIFY(!m_page->logViewer(QStringLiteral("dev")));
    }

    void logViewerKeepsAtMostItsCapacity()
    {
        LogViewer viewer(QStringLiteral("web"), 100);
        viewer.appendLines(logLines(0, 150));
        viewer.appendLines(logLines(150, 100));
        viewer.flush();
        QCOMPARE(viewer.lineCount(), 100);
        QVERIFY(viewer.text().startsWith(QStringLiteral("line 150\n")));
        QVERIFY(viewer.text().endsWith(QStringLiteral("line 249")));
        viewer.appendLines(logLines(250, 10));
        viewer.flush();
        QCOMPARE(viewer.lineCount(), 100);
        QVERIFY(viewer.text().startsWith(QStringLiteral("line 160\n")));
    }

    void onlyCardsOnScreenAreWatched()
    {
        QSignalSpy watched(m_page.get(), &PersonasPage::watchedChanged);
        QList<Persona> many;
        for (int i = 0; i < 12; ++i) {
            Persona p = m_personas.at(2);
            p.name = QStringLiteral("p%1").arg(i);
            p.ports = {{20000 + i, 18789}};
            many << p;
        }
        m_page->resize(800, 500);
        m_page->applyPersonas(many);
        QTRY_VERIFY(!m_page->watched().isEmpty());
        QTRY_VERIFY(m_page->watched().size() < 12);
        QVERIFY(m_page->watched().contains(QStringLiteral("p0")));
        QVERIFY(!m_page->watched().contains(QStringLiteral("p11")));
        QVERIFY(card("p0")->isOnScreen());
        QVERIFY(!card("p11")->isOnScreen());
        QCOMPARE(watched.last().at(0).toStringList(), m_page->watched());

        QScrollBar *bar = in<QScrollArea>(m_page.get(), "personaScroll")->verticalScrollBar();
        bar->setValue(bar->maximum());
        QTRY_VERIFY(m_page->watched().contains(QStringLiteral("p11")));
        QVERIFY(!m_page->watched().contains(QStringLiteral("p0")));
        QVERIFY(card("p11")->isOnScreen());

        // Another page in front (the page hidden): nothing is watched.
        m_page->hide();
        QCOMPARE(m_page->watched(), QStringList());
        QCOMPARE(watched.last().at(0).toStringList(), QStringList());
        QVERIFY(!card("p11")->isOnScreen());
    }

    void noEngineSaysWhatToDo()
    {
        QSignalSpy reconnect(m_page.get(), &PersonasPage::reconnectRequested);
        const QString description =
            QStringLiteral("no container engine at /run/podman/podman.sock\nStart one: systemctl --user "
                           "start podman.socket");
        m_page->applyStatus(status(QStringLiteral("dev"), State::Stopped));
        m_page->applyEngine(false, description);
        auto *panel = in<QWidget>(m_page.get(), "noEnginePanel");
        QVERIFY(panel->isVisible());
        QVERIFY(in(m_page.get(), "noEngineText")->text().contains(description));
        QVERIFY(in(m_page.get(), "noEngineText")->text().contains(QStringLiteral("keeps trying")));
        QVERIFY(!button(card("dev"), "startButton")->isEnabled());
        QVERIFY(!in<QPushButton>(m_page.get(), "stopAllButton")->isEnabled());
        auto *retry = in<QPushButton>(m_page.get(), "retryButton");
        QTest::mouseClick(retry, Qt::LeftButton);
        QCOMPARE(reconnect.count(), 1);
        QVERIFY(!retry->isEnabled()); // for a moment: not asked again and again
        QTest::mouseClick(retry, Qt::LeftButton);
        QCOMPARE(reconnect.count(), 1);

        m_page->applyEngine(true, QStringLiteral("podman 5.4.2 at /run/podman/podman.sock"));
        QVERIFY(!panel->isVisible());
        QVERIFY(button(card("dev"), "startButton")->isEnabled());
        QCOMPARE(in(m_page.get(), "engineLabel")->text(),
                 QStringLiteral("podman 5.4.2 at /run/podman/podman.sock"));
    }

    void realRuntimeWithoutAnEngine()
    {
        // A real runtime that is told of an engine socket that is not there.
        test::NoEngineRuntime real;
        QVERIFY(real.start({m_personas.at(1)}));
        PersonaRuntime &runtime = *real.runtime;
        QFile file(real.personasPath);
        PersonasPage page(&runtime);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTRY_COMPARE(page.cards().size(), 1);
        QCOMPARE(page.cards().at(0)->name(), QStringLiteral("web"));
        QTRY_VERIFY(!runtime.engineDescription().isEmpty());
        auto *panel = in<QWidget>(&page, "noEnginePanel");
        QVERIFY(panel->isVisible());
        QTRY_VERIFY2(in(&page, "noEngineText")->text().contains(runtime.engineDescription()),
                     qPrintable(in(&page, "noEngineText")->text()));
        QVERIFY(in(&page, "noEngineText")->text().contains(QStringLiteral("nothing.sock")));
        auto *retry = in<QPushButton>(&page, "retryButton");
        QTest::mouseClick(retry, Qt::LeftButton);
        QCOMPARE(retry->text(), QStringLiteral("Looking again…"));
        QVERIFY(!retry->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(retry->isEnabled(), PersonasPage::RetryPauseMs + 1000);
        QVERIFY(panel->isVisible()); // still no engine

        // An edit goes to the runtime, which writes the file and tells the page.
        Persona edited = m_personas.at(1);
        edited.ports = {{4099, 4096}};
        emit page.updateRequested(QStringLiteral("web"), edited);
        QTRY_COMPARE(page.card(QStringLiteral("web"))->persona().ports.value(0).host, 4099);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("4099"));
    }
};

QTEST_MAIN(TestPersonasPage)
#include "test_personas_page.moc"
