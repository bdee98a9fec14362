// From the audit log to a saved policy, as a user goes: "Allow this host…" on a proxy deny row and
// "Suggest policy" for a persona in record mode end in the policy editor with the suggested text
// appended (unsaved, selected); saving it makes the persona's set permit what was asked for. Over a
// real engine, its audit log (proxy events appended in the proxy's format) and its policy store.
#include "DesktopShell.h"
#include "MainWindow.h"
#include "audit/AuditLogPage.h"
#include "audit/AuditModel.h"
#include "audit/AuditStore.h"
#include "config/Settings.h"
#include "engine/Engine.h"
#include "personas/PersonaCard.h"
#include "personas/PersonasPage.h"
#include "policy/CodeEditor.h"
#include "policy/Entities.h"
#include "policy/PolicyEditorPage.h"
#include "policy/PolicySet.h"
#include "policy/PolicyStore.h"
#include "runtime/PersonaRuntime.h"

#include <QApplication>
#include <QComboBox>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextCursor>
#include <QToolButton>

#include <atomic>
#include <memory>

using namespace paddock;
using Decision = AuditEvent::Decision;

namespace {
AuditEvent proxyEvent(const QString &persona, const QString &action, const QString &resource,
                      Decision decision, QJsonObject details)
{
    AuditEvent e;
    e.source = AuditEvent::Source::Proxy;
    e.persona = persona;
    e.action = action;
    e.resource = resource;
    e.decision = decision;
    e.setDetails(details);
    return e;
}

AuditEvent deny(const QString &persona, const QString &resource, int id)
{
    return proxyEvent(persona, QStringLiteral("connect"), resource, Decision::Deny,
                      {{QStringLiteral("id"), id},
                       {QStringLiteral("mode"), QStringLiteral("enforce")},
                       {QStringLiteral("client"), QStringLiteral("10.89.0.5:41234")},
                       {QStringLiteral("reason"), QStringLiteral("no policy permits it")},
                       {QStringLiteral("status"), 403}});
}

AuditEvent recorded(const QString &persona, const QString &resource, int id)
{
    return proxyEvent(persona, QStringLiteral("connect"), resource, Decision::WouldDeny,
                      {{QStringLiteral("id"), id},
                       {QStringLiteral("mode"), QStringLiteral("record")},
                       {QStringLiteral("address"), QStringLiteral("93.184.215.14")},
                       {QStringLiteral("client"), QStringLiteral("10.89.0.5:41234")},
                       {QStringLiteral("reason"), QStringLiteral("no policy permits it")}});
}

// What the persona's set decides for a CONNECT to host:port (as the proxy asks it).
bool permits(PolicyStore &store, const QString &set, const QString &persona, const QString &host, int port)
{
    const auto policies = store.policies(set);
    if (!policies)
        return false;
    const cedar::EntityUid resource{"Paddock::Host",
                                    QString(host + QLatin1Char(':') + QString::number(port)).toStdString()};
    const cedar::Entities entities(
        {cedar::Entity{resource,
                       {{"name", cedar::Value(host.toStdString())}, {"port", cedar::Value(int64_t(port))}},
                       {},
                       {}}});
    const cedar::Request request{
        {"Paddock::Persona", persona.toStdString()}, {"Paddock::Action", "connect"}, resource, {}};
    return policies->authorize(request, entities).allowed;
}
} // namespace

class TestPolicySuggestions : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<DesktopShell> m_shell;

    AuditStore *store() const { return m_engine->auditStore(); }
    PolicyStore *policies() const { return m_engine->policyStore(); }
    AuditLogPage *auditPage() const { return m_shell->auditPage(); }
    PolicyEditorPage *editor() const { return m_shell->policyPage(); }

    [[nodiscard]] bool append(const AuditBatch &events)
    {
        auto acked = std::make_shared<std::atomic<int>>(0);
        for (const AuditEvent &e : events)
            store()->append(e, [acked](const Result<qint64> &) { ++*acked; });
        return QTest::qWaitFor([&] { return acked->load() == int(events.size()); }, 30000);
    }

    // Selects the newest row with this resource in the audit view.
    bool select(const QString &resource)
    {
        auto *view = auditPage()->findChild<QTableView *>(QStringLiteral("auditView"));
        for (int row = auditPage()->model()->rowCount() - 1; row >= 0; --row)
            if (auditPage()->model()->event(row).resource == resource) {
                view->selectRow(row);
                return true;
            }
        return false;
    }

    [[nodiscard]] bool setPolicyMode(const QString &name, Persona::PolicyMode mode)
    {
        PersonaRuntime *runtime = m_engine->personaRuntime();
        QList<Persona> all = runtime->personas();
        const auto it =
            std::find_if(all.begin(), all.end(), [&](const Persona &p) { return p.name == name; });
        if (it == all.end())
            return false;
        Persona edited = *it;
        edited.policyMode = mode;
        QMetaObject::invokeMethod(runtime, [runtime, name, edited] { runtime->updatePersona(name, edited); });
        return QTest::qWaitFor([&] {
            for (const Persona &p : runtime->personas())
                if (p.name == name)
                    return p.policyMode == mode;
            return false;
        });
    }

private slots:
    void initTestCase()
    {
        m_engine = std::make_unique<Engine>();
        m_engine->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), Engine::State::Running, 10000);
        QTRY_VERIFY(policies()->names().contains(QStringLiteral("moderate")));
        QTRY_VERIFY(!m_engine->personaRuntime()->personas().isEmpty());
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("settings.json")));
        m_shell = std::make_unique<DesktopShell>(*m_settings, *m_engine, nullptr);
        m_shell->start(false);
        QVERIFY(QTest::qWaitForWindowExposed(m_shell->mainWindow()));
    }

    void cleanupTestCase()
    {
        m_shell.reset();
        m_engine->stop();
    }

    void allowThisHostFromADenyRowEndsInTheEditor()
    {
        // web is moderate: its set is "moderate", which does not permit api.example.com.
        QVERIFY(!permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                         QStringLiteral("api.example.com"), 8443));
        QVERIFY(append(
            {deny(QStringLiteral("web"), QStringLiteral("api.example.com:8443"), 7),
             proxyEvent(QStringLiteral("web"), QStringLiteral("connect"), QStringLiteral("github.com:443"),
                        Decision::Allow, {{QStringLiteral("id"), 8}})}));
        QVERIFY(m_shell->mainWindow()->showPage(QStringLiteral("audit")));
        // Both rows stream in; the allow row may come a moment after the deny row.
        QTRY_VERIFY(select(QStringLiteral("github.com:443")));
        QTRY_VERIFY(select(QStringLiteral("api.example.com:8443")));

        // The button in the details pane and the row's context menu action.
        auto *button = auditPage()->findChild<QToolButton *>(QStringLiteral("allowHostButton"));
        auto *action = auditPage()->findChild<QAction *>(QStringLiteral("allowHostAction"));
        QVERIFY(button && action);
        QVERIFY(button->isVisible());
        QVERIFY(action->isVisible());
        auto *view = auditPage()->findChild<QTableView *>(QStringLiteral("auditView"));
        QVERIFY(view->actions().contains(action));

        // An allow row offers nothing to allow.
        QVERIFY(select(QStringLiteral("github.com:443")));
        QVERIFY(!button->isVisible());
        QVERIFY(select(QStringLiteral("api.example.com:8443")));
        QVERIFY(button->isVisible());

        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE(m_shell->mainWindow()->currentPageId(), QStringLiteral("policies"));
        QCOMPARE(editor()->currentSet(), QStringLiteral("moderate"));
        QVERIFY(editor()->isModified());
        const QString suggested = QStringLiteral(
            "@id(\"allow-web-api.example.com-8443\")\n"
            "permit (principal == Paddock::Persona::\"web\", action == Paddock::Action::\"connect\", "
            "resource)\nwhen { resource.name == \"api.example.com\" && resource.port == 8443 };\n");
        QVERIFY(editor()->editor()->toPlainText().endsWith(suggested));
        QVERIFY(editor()->editor()->toPlainText().startsWith(policies()->text(QStringLiteral("moderate"))));
        // The suggestion is selected (the editor holds it as a QTextDocument: paragraph separators).
        QCOMPARE(editor()->editor()->textCursor().selectedText().replace(QChar::ParagraphSeparator, u'\n'),
                 suggested);

        // Not saved until the user saves: the set still denies.
        QVERIFY(!permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                         QStringLiteral("api.example.com"), 8443));
        QSignalSpy saved(editor(), &PolicyEditorPage::saved);
        auto *save = editor()->findChild<QPushButton *>(QStringLiteral("savePolicyButton"));
        QVERIFY(save);
        QTest::mouseClick(save, Qt::LeftButton);
        QVERIFY(saved.wait(10000));
        QVERIFY(!editor()->isModified());
        QVERIFY(permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                        QStringLiteral("api.example.com"), 8443));
        // Only that host and port, and only for web.
        QVERIFY(!permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                         QStringLiteral("api.example.com"), 443));
        QVERIFY(!permits(*policies(), QStringLiteral("moderate"), QStringLiteral("other"),
                         QStringLiteral("api.example.com"), 8443));
    }

    void allowThisHostAsksAboutUnsavedChangesToAnotherSet()
    {
        // The editor has unsaved changes to "restricted"; agent's deny is for "restricted" too, so
        // use a web deny (set "moderate"): the user is asked first, and Cancel keeps the edits.
        editor()->openSet(QStringLiteral("restricted"));
        QTRY_COMPARE(editor()->currentSet(), QStringLiteral("restricted"));
        editor()->editor()->moveCursor(QTextCursor::End);
        editor()->editor()->insertPlainText(QStringLiteral("\n// an edit of my own\n"));
        QVERIFY(editor()->isModified());

        QVERIFY(append({deny(QStringLiteral("web"), QStringLiteral("files.example.net:443"), 9)}));
        QVERIFY(m_shell->mainWindow()->showPage(QStringLiteral("audit")));
        QTRY_VERIFY(select(QStringLiteral("files.example.net:443")));
        auto *action = auditPage()->findChild<QAction *>(QStringLiteral("allowHostAction"));
        QVERIFY(action->isVisible());
        action->trigger();

        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) != nullptr);
        QCOMPARE(box->objectName(), QStringLiteral("unsavedChangesBox"));
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTRY_VERIFY(QApplication::activeModalWidget() == nullptr);
        QCOMPARE(editor()->currentSet(), QStringLiteral("restricted"));
        QVERIFY(editor()->editor()->toPlainText().contains(QStringLiteral("// an edit of my own")));
        QVERIFY(!editor()->editor()->toPlainText().contains(QStringLiteral("files.example.net")));

        // Again, discarding the edits: the suggestion lands in "moderate".
        action->trigger();
        QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) != nullptr);
        QTest::mouseClick(box->button(QMessageBox::Discard), Qt::LeftButton);
        QTRY_COMPARE(editor()->currentSet(), QStringLiteral("moderate"));
        QVERIFY(editor()->editor()->toPlainText().contains(
            QStringLiteral("@id(\"allow-web-files.example.net-443\")")));
        QVERIFY(editor()->isModified());
        // Leave the editor clean for the next test.
        editor()->confirmDiscard([] {});
        QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) != nullptr);
        QTest::mouseClick(box->button(QMessageBox::Discard), Qt::LeftButton);
        QTRY_VERIFY(!editor()->isModified());
    }

    void suggestPolicyFromRecordModeEvents()
    {
        // web watched in record mode: everything passes and is recorded as would-deny.
        QVERIFY(setPolicyMode(QStringLiteral("web"), Persona::PolicyMode::Record));
        QVERIFY(append({recorded(QStringLiteral("web"), QStringLiteral("registry.example.org:443"), 20),
                        recorded(QStringLiteral("web"), QStringLiteral("git.example.org:22"), 21),
                        recorded(QStringLiteral("web"), QStringLiteral("git.example.org:443"), 22),
                        recorded(QStringLiteral("web"), QStringLiteral("registry.example.org:443"), 23),
                        recorded(QStringLiteral("agent"), QStringLiteral("agent-only.example:443"), 24)}));

        // The persona card offers it (web is in record mode; dev, full trust, is not).
        QVERIFY(m_shell->mainWindow()->showPage(QStringLiteral("personas")));
        PersonasPage *personas = m_shell->personasPage();
        QTRY_VERIFY(personas->card(QStringLiteral("web")) != nullptr);
        auto *suggestWeb = personas->card(QStringLiteral("web"))
                               ->findChild<QToolButton *>(QStringLiteral("suggestPolicyButton"));
        QVERIFY(suggestWeb);
        QTRY_VERIFY(suggestWeb->isVisible());
        auto *suggestDev = personas->card(QStringLiteral("dev"))
                               ->findChild<QToolButton *>(QStringLiteral("suggestPolicyButton"));
        QVERIFY(!suggestDev->isVisible());

        QTest::mouseClick(suggestWeb, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_shell->mainWindow()->currentPageId(), QStringLiteral("policies"), 10000);
        QCOMPARE(editor()->currentSet(), QStringLiteral("moderate"));
        const QString text = editor()->editor()->toPlainText();
        // Everything web did (web's earlier denies included), sorted by host, one permit per host.
        QVERIFY2(text.contains(
                     QStringLiteral("// Drafted by Paddock from 7 proxy event(s) of the persona \"web\"")),
                 qPrintable(text));
        QVERIFY(text.contains(
            QStringLiteral("resource.name == \"git.example.org\" && [22, 443].contains(resource.port)")));
        QVERIFY(text.contains(
            QStringLiteral("resource.name == \"registry.example.org\" && resource.port == 443")));
        QVERIFY(!text.contains(QStringLiteral("agent-only.example")));
        QVERIFY(text.indexOf(QStringLiteral("record-web-git.example.org")) <
                text.indexOf(QStringLiteral("record-web-registry.example.org")));

        QSignalSpy saved(editor(), &PolicyEditorPage::saved);
        editor()->save();
        QVERIFY(saved.wait(10000));
        QVERIFY(permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                        QStringLiteral("git.example.org"), 22));
        QVERIFY(permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                        QStringLiteral("registry.example.org"), 443));
        QVERIFY(!permits(*policies(), QStringLiteral("moderate"), QStringLiteral("web"),
                         QStringLiteral("registry.example.org"), 22));
    }

    void suggestPolicyInTheAuditWindowFilteredToOnePersona()
    {
        QVERIFY(m_shell->mainWindow()->showPage(QStringLiteral("audit")));
        auto *suggest = auditPage()->findChild<QToolButton *>(QStringLiteral("suggestPolicyButton"));
        QVERIFY(suggest);
        QVERIFY(!suggest->isVisible()); // not filtered to a persona
        AuditFilter filter;
        filter.persona = QStringLiteral("agent");
        auditPage()->setFilter(filter);
        QVERIFY(suggest->isVisible());
        QTest::mouseClick(suggest, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_shell->mainWindow()->currentPageId(), QStringLiteral("policies"), 10000);
        QCOMPARE(editor()->currentSet(), QStringLiteral("restricted")); // agent is restricted
        const QString text = editor()->editor()->toPlainText();
        QVERIFY(text.contains(QStringLiteral("@id(\"record-agent-agent-only.example\")")));
        QVERIFY(editor()->isModified());

        // A persona with nothing recorded: no draft, and the status says why.
        editor()->confirmDiscard([] {});
        if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget()))
            QTest::mouseClick(box->button(QMessageBox::Discard), Qt::LeftButton);
        QTRY_VERIFY(!editor()->isModified());
        QVERIFY(m_shell->mainWindow()->showPage(QStringLiteral("audit")));
        filter.persona = QStringLiteral("dev");
        auditPage()->setFilter(filter);
        QSignalSpy suggested(auditPage(), &AuditLogPage::policySuggested);
        QTest::mouseClick(suggest, Qt::LeftButton);
        auto *status = auditPage()->findChild<QLabel *>(QStringLiteral("auditStatus"));
        QTRY_VERIFY(status->text().contains(QStringLiteral("no connection of it through the proxy")));
        QCOMPARE(suggested.count(), 0);
    }
};

QTEST_MAIN(TestPolicySuggestions)
#include "test_policy_suggestions.moc"
