// The persona edit dialog's network policy mode: shown for moderate and restricted personas (and
// full-trust ones with a loopback proxy listener), loaded from and written back to
// Persona::policyMode, and listed as a relaxation when not enforce; the loopback listener's port.
#include "personas/PersonaEditDialog.h"

#include <QComboBox>
#include <QLabel>
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
};

QTEST_MAIN(TestPersonaEditDialog)
#include "test_persona_edit_dialog.moc"
