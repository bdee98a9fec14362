// The persona edit dialog's network policy mode: shown for moderate and restricted personas (and
// full-trust ones with a loopback proxy listener), loaded from and written back to
// Persona::policyMode, and listed as a relaxation when not enforce; the loopback listener's port;
// the agent (kind, model, effort, web UI, command, environment) and where it reads its key.
#include "personas/PersonaEditDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTest>

using namespace paddock;
using Mode = Persona::PolicyMode;

class TestPersonaEditDialog : public QObject
{
    Q_OBJECT

    static Persona persona(Persona::Trust trust, Mode mode)
    {
        Persona p = Persona::defaults(QStringLiteral("localhost/paddock-agent:test")).at(1); // web
        p.trust = trust;
        p.policyMode = mode;
        return p;
    }

private slots:
    void modeRoundTrip_data()
    {
        QTest::addColumn<int>("trust");
        QTest::addColumn<int>("loaded");
        QTest::addColumn<int>("chosen");
        QTest::newRow("moderate enforce→record")
            << int(Persona::Trust::Moderate) << int(Mode::Enforce) << int(Mode::Record);
        QTest::newRow("restricted record→shadow")
            << int(Persona::Trust::Restricted) << int(Mode::Record) << int(Mode::Shadow);
        QTest::newRow("restricted shadow→enforce")
            << int(Persona::Trust::Restricted) << int(Mode::Shadow) << int(Mode::Enforce);
    }
    void modeRoundTrip()
    {
        QFETCH(int, trust);
        QFETCH(int, loaded);
        QFETCH(int, chosen);
        PersonaEditDialog dialog(persona(Persona::Trust(trust), Mode(loaded)), {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("policyModeCombo"));
        QVERIFY(combo);
        QVERIFY(combo->isVisible());
        QCOMPARE(combo->currentData().toInt(), loaded);

        // The user picks a mode from the list, as with the keyboard.
        combo->setFocus();
        const int index = combo->findData(chosen);
        QVERIFY(index >= 0);
        while (combo->currentIndex() != index)
            QTest::keyClick(combo, combo->currentIndex() < index ? Qt::Key_Down : Qt::Key_Up);
        const auto edited = dialog.persona();
        QVERIFY(edited.has_value());
        QCOMPARE(int(edited->policyMode), chosen);

        // And back: a dialog on the edited persona shows what was chosen.
        PersonaEditDialog again(*edited, {});
        QCOMPARE(again.findChild<QComboBox *>(QStringLiteral("policyModeCombo"))->currentData().toInt(),
                 chosen);
    }

    void relaxedModesAreListedInRed()
    {
        PersonaEditDialog dialog(persona(Persona::Trust::Moderate, Mode::Enforce), {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("policyModeCombo"));
        auto *relaxations = dialog.findChild<QLabel *>(QStringLiteral("relaxationsLabel"));
        QVERIFY(!relaxations->isVisible());
        combo->setCurrentIndex(combo->findData(int(Mode::Shadow)));
        QVERIFY(relaxations->isVisible());
        QVERIFY(relaxations->text().contains(QStringLiteral("shadow mode")));
        combo->setCurrentIndex(combo->findData(int(Mode::Record)));
        QVERIFY(relaxations->text().contains(QStringLiteral("record mode")));
    }

    void hiddenForFullTrust()
    {
        PersonaEditDialog dialog(persona(Persona::Trust::Moderate, Mode::Record), {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("policyModeCombo"));
        auto *trust = dialog.findChild<QComboBox *>(QStringLiteral("trustCombo"));
        QVERIFY(combo->isVisible());
        trust->setCurrentIndex(trust->findData(int(Persona::Trust::Full)));
        QVERIFY(!combo->isVisible());
        // Full trust has no proxy: record mode is no relaxation there.
        QVERIFY(!dialog.shownRelaxations().join(u' ').contains(QStringLiteral("record mode")));
        trust->setCurrentIndex(trust->findData(int(Persona::Trust::Restricted)));
        QVERIFY(combo->isVisible());
        QCOMPARE(combo->currentData().toInt(), int(Mode::Record));
    }

    void loopbackListenerRoundTripAndShowsTheModeForFullTrust()
    {
        PersonaEditDialog dialog(persona(Persona::Trust::Full, Mode::Record), {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("policyModeCombo"));
        auto *port = dialog.findChild<QSpinBox *>(QStringLiteral("proxyLoopbackSpin"));
        QVERIFY(port);
        QCOMPARE(port->value(), 0);
        QCOMPARE(port->text(), QStringLiteral("Off"));
        QVERIFY(!combo->isVisible());
        // A loopback listener: a full-trust persona's traffic goes through the proxy after all.
        port->setFocus();
        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("3129"));
        QCOMPARE(port->value(), 3129);
        QVERIFY(combo->isVisible());
        QVERIFY(dialog.shownRelaxations().join(u' ').contains(QStringLiteral("record mode")));
        const auto edited = dialog.persona();
        QVERIFY(edited);
        QCOMPARE(edited->proxyLoopbackPort, 3129);
        PersonaEditDialog again(*edited, {});
        QCOMPARE(again.findChild<QSpinBox *>(QStringLiteral("proxyLoopbackSpin"))->value(), 3129);
        // Back to off.
        port->setValue(0);
        QVERIFY(!combo->isVisible());
        QCOMPARE(dialog.persona()->proxyLoopbackPort, 0);
    }

    // The agent: chosen from the list, with its model, effort and environment; the rows follow the
    // agent (effort for those that have one, web UI for opencode, a command for a custom one).
    void agentChoiceRoundTrip()
    {
        Persona p = Persona::defaults(QStringLiteral("localhost/paddock-agent:test")).at(2); // agent: Claude
        PersonaEditDialog dialog(p, {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *agent = dialog.findChild<QComboBox *>(QStringLiteral("agentCombo"));
        auto *model = dialog.findChild<QLineEdit *>(QStringLiteral("modelEdit"));
        auto *effort = dialog.findChild<QComboBox *>(QStringLiteral("effortCombo"));
        auto *web = dialog.findChild<QCheckBox *>(QStringLiteral("webCheck"));
        auto *command = dialog.findChild<QLineEdit *>(QStringLiteral("agentCommandEdit"));
        auto *env = dialog.findChild<QPlainTextEdit *>(QStringLiteral("agentEnvEdit"));
        auto *key = dialog.findChild<QLabel *>(QStringLiteral("agentKeyLabel"));
        QVERIFY(agent && model && effort && web && command && env && key);
        QCOMPARE(agent->currentData().toInt(), int(Persona::Agent::Kind::Claude));
        QVERIFY(model->isVisible() && effort->isVisible() && !web->isVisible() && !command->isVisible());
        QVERIFY(key->text().contains(QStringLiteral("anthropic-api-key")));

        // Codex, a model, high effort and a gateway, as a user picks and types them.
        agent->setFocus();
        while (agent->currentData().toInt() != int(Persona::Agent::Kind::Codex))
            QTest::keyClick(agent, Qt::Key_Down);
        QVERIFY(key->text().contains(QStringLiteral("openai-api-key")));
        QTest::keyClicks(model, QStringLiteral("gpt-5-codex"));
        effort->setCurrentIndex(effort->findData(QStringLiteral("high")));
        env->setFocus();
        QTest::keyClicks(env, QStringLiteral("OPENAI_BASE_URL=https://gateway.example/v1"));
        auto edited = dialog.persona();
        QVERIFY2(edited, qPrintable(edited ? QString() : edited.error().text()));
        QCOMPARE(edited->agent.kind, Persona::Agent::Kind::Codex);
        QCOMPARE(edited->agent.model, QStringLiteral("gpt-5-codex"));
        QCOMPARE(edited->agent.effort, QStringLiteral("high"));
        QCOMPARE(edited->agent.env.value(QStringLiteral("OPENAI_BASE_URL")),
                 QStringLiteral("https://gateway.example/v1"));
        PersonaEditDialog again(*edited, {});
        QCOMPARE(again.findChild<QComboBox *>(QStringLiteral("agentCombo"))->currentData().toInt(),
                 int(Persona::Agent::Kind::Codex));
        QCOMPARE(again.findChild<QLineEdit *>(QStringLiteral("modelEdit"))->text(),
                 QStringLiteral("gpt-5-codex"));
        QCOMPARE(again.findChild<QComboBox *>(QStringLiteral("effortCombo"))->currentData().toString(),
                 QStringLiteral("high"));

        // opencode: its web UI; no effort.
        agent->setCurrentIndex(agent->findData(int(Persona::Agent::Kind::Opencode)));
        QVERIFY(web->isVisible() && !effort->isVisible());
        // A custom command runs in the session.
        agent->setCurrentIndex(agent->findData(int(Persona::Agent::Kind::Custom)));
        QVERIFY(command->isVisible() && !model->isVisible());
        env->clear();
        QTest::keyClicks(command, QStringLiteral("aider --model x"));
        QCOMPARE(dialog.persona()->agent.command,
                 (QStringList{QStringLiteral("aider"), QStringLiteral("--model"), QStringLiteral("x")}));

        // An agent and an entrypoint together: refused, saying what to do.
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("entrypointEdit")),
                         QStringLiteral("/bin/sh"));
        auto both = dialog.persona();
        QVERIFY(!both);
        QVERIFY(both.error().hint.contains(QStringLiteral("Clear the entrypoint")));
        // A key as a variable: refused when saved (keys are secrets).
        agent->setCurrentIndex(agent->findData(int(Persona::Agent::Kind::Claude)));
        dialog.findChild<QLineEdit *>(QStringLiteral("entrypointEdit"))->clear();
        env->setPlainText(QStringLiteral("ANTHROPIC_API_KEY=sk-ant-1"));
        dialog.accept();
        QVERIFY(dialog.isVisible());
        QVERIFY2(dialog.errorText().contains(QStringLiteral("looks like a key")),
                 qPrintable(dialog.errorText()));
    }
};

QTEST_MAIN(TestPersonaEditDialog)
#include "test_persona_edit_dialog.moc"
