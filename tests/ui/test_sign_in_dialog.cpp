// Sign in… on the Personas page (SignInDialog), clicked through as a user does, on a real runtime
// with no engine; the runtime's signals for a container that is ready, a finished or a cancelled
// sign-in are sent as it sends them (test_agent_e2e runs the real sign-in on the engines).
#include "NoEngineRuntime.h"
#include "personas/PersonaCard.h"
#include "personas/PersonasPage.h"
#include "personas/SignInDialog.h"
#include "policy/PolicyStore.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

using namespace paddock;

class TestSignInDialog : public QObject
{
    Q_OBJECT

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
    template <typename T = QLabel> static T *in(QWidget *w, const char *name)
    {
        return w->findChild<T *>(QLatin1StringView(name));
    }
    static QToolButton *button(PersonaCard *c, const char *name) { return in<QToolButton>(c, name); }

private slots:
    // Sign in… on a persona whose agent has a subscription login: the dialog says what happens, which
    // hosts the login needs and what the persona's policies say of each (with a policy to copy for
    // those refused), starts the sign-in on the runtime, opens the terminal when its container is
    // ready, shows a failure where the person looks, and the end.
    void signInWalksThroughTheLogin()
    {
        test::NoEngineRuntime real;
        QVERIFY(real.start({m_personas.at(1), m_personas.at(2)})); // web (opencode), agent (Claude)
        PersonaRuntime &runtime = *real.runtime;
        PersonasPage page(&runtime);
        page.setEngineEndpoint(EngineClient::Endpoint{QStringLiteral("/run/podman/podman.sock"), {}});
        page.applyEngine(true, QStringLiteral("podman 5.4.2 at /run/podman/podman.sock"));
        QStringList launched;
        page.setLauncher([&](const QStringList &argv) {
            launched << argv.join(u' ');
            return true;
        });
        page.setPolicyCheck([](const Persona &, const QString &host, int port) -> std::optional<bool> {
            return host == u"api.anthropic.com" && port == 443;
        });
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTRY_COMPARE(page.cards().size(), 2);
        QVERIFY(!button(page.card(QStringLiteral("web")), "signInButton")
                     ->isVisibleTo(page.card(QStringLiteral("web"))));
        PersonaCard *agent = page.card(QStringLiteral("agent"));
        QToolButton *signIn = button(agent, "signInButton");
        QVERIFY(signIn->isVisibleTo(agent));
        QTest::mouseClick(signIn, Qt::LeftButton);
        auto *dialog = waitForModal<SignInDialog>("signInDialog");
        QVERIFY(dialog);
        QVERIFY(in(dialog, "explanation")->text().contains(QStringLiteral("Claude Pro or Max")));

        // The login's hosts, and what agent's policies say of each.
        auto *hosts = in<QTreeWidget>(dialog, "hostsList");
        QCOMPARE(hosts->topLevelItemCount(), 2);
        QCOMPARE(hosts->topLevelItem(0)->text(0), QStringLiteral("platform.claude.com:443"));
        QCOMPARE(hosts->topLevelItem(0)->text(2), QStringLiteral("refused"));
        QCOMPARE(hosts->topLevelItem(1)->text(2), QStringLiteral("allowed"));
        QVERIFY(in(dialog, "statusLabel")->text().contains(QStringLiteral("platform.claude.com")));
        auto *copy = in<QPushButton>(dialog, "copyPolicyButton");
        QVERIFY(copy->isVisible());
        QTest::mouseClick(copy, Qt::LeftButton);
        const QString policy = QApplication::clipboard()->text();
        QVERIFY(policy.contains(QStringLiteral("Paddock::Persona::\"agent\"")));
        QVERIFY(policy.contains(QStringLiteral("\"platform.claude.com\"")));
        QVERIFY(!policy.contains(QStringLiteral("api.anthropic.com"))); // allowed already
        // A policy the editor takes as it is: Cedar, valid against Paddock's schema.
        PolicyStore policies(real.dir.filePath(QStringLiteral("config")));
        QVERIFY(policies.load());
        const PolicyCheck checked = policies.check(policy);
        QVERIFY2(checked.valid(), qPrintable(policy));

        // Sign in: the runtime has no engine here, and says so in the dialog.
        auto *start = in<QPushButton>(dialog, "startButton");
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY(in(dialog, "errorLabel")->isVisible());
        QVERIFY2(in(dialog, "errorLabel")->text().contains(QStringLiteral("no container engine")),
                 qPrintable(in(dialog, "errorLabel")->text()));
        QCOMPARE(start->text(), QStringLiteral("Try again"));
        QVERIFY(!in<QProgressBar>(dialog, "progress")->isVisible());

        // The runtime's container is ready: a terminal on its tmux session, and again on a click.
        emit runtime.signInReady(QStringLiteral("agent"), QStringLiteral("paddock-agent-sign-in"));
        QTRY_COMPARE(launched.size(), 1);
        QVERIFY2(launched.first().contains(
                     QStringLiteral("exec -it paddock-agent-sign-in tmux new-session -A -s agent")),
                 qPrintable(launched.first()));
        QVERIFY(in<QProgressBar>(dialog, "progress")->isVisible());
        QVERIFY(in(dialog, "statusLabel")->text().contains(QStringLiteral("terminal")));
        auto *again = in<QPushButton>(dialog, "terminalButton");
        QVERIFY(again->isVisible());
        QTest::mouseClick(again, Qt::LeftButton);
        QCOMPARE(launched.size(), 2);
        // Another persona's sign-in is not this dialog's.
        emit runtime.signInFinished(QStringLiteral("web"), QStringLiteral("claude-sign-in.web"));
        QVERIFY(in<QProgressBar>(dialog, "progress")->isVisible());
        emit runtime.signInFinished(QStringLiteral("agent"), QStringLiteral("claude-sign-in.agent"));
        QTRY_VERIFY(in(dialog, "statusLabel")->text().contains(QStringLiteral("claude-sign-in.agent")));
        QVERIFY(!in<QProgressBar>(dialog, "progress")->isVisible());
        QVERIFY(!start->isVisible());
        QVERIFY(agent->message().contains(QStringLiteral("restart")));
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Close)->click();
        QTRY_VERIFY(!dialog->isVisible());

        // Cancel while it runs: the runtime is asked, and the dialog goes once the sign-in ended.
        QTest::mouseClick(signIn, Qt::LeftButton);
        dialog = waitForModal<SignInDialog>("signInDialog");
        QVERIFY(dialog);
        emit runtime.signInReady(QStringLiteral("agent"), QStringLiteral("paddock-agent-sign-in"));
        QTRY_COMPARE(launched.size(), 3);
        QTest::keyClick(dialog, Qt::Key_Escape);
        QVERIFY(dialog->isVisible());
        QVERIFY(in(dialog, "statusLabel")->text().contains(QStringLiteral("Cancelling")));
        emit runtime.signInFailed(
            QStringLiteral("agent"),
            Error{Error::Code::Busy, QStringLiteral("the sign-in was cancelled"), {}, {}});
        QTRY_VERIFY(!dialog->isVisible());
    }
};

QTEST_MAIN(TestSignInDialog)
#include "test_sign_in_dialog.moc"
