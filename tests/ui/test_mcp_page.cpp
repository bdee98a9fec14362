// The MCP servers window as a user goes through it: the servers of mcp.toml with what they run and
// for whom, the configuration each agent gets for the persona chosen, a broken file's mistake at
// its file:line:column (and the page showing it until it is fixed), and "Open mcp.toml" writing an
// example where there is no file yet. The file is read off the UI thread.
#include "mcp/McpPage.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace paddock;

namespace {
void write(const QString &path, const QByteArray &text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}
} // namespace

class TestMcpPage : public QObject
{
    Q_OBJECT

public slots:
    // The desktop's handler for file URLs, here: what would have been opened in an editor.
    void open(const QUrl &url) { m_opened << url; }

private:
    QList<QUrl> m_opened;

private slots:
    void initTestCase() { QDesktopServices::setUrlHandler(QStringLiteral("file"), this, "open"); }
    void cleanupTestCase() { QDesktopServices::unsetUrlHandler(QStringLiteral("file")); }

    void listsTheServersAndWhatEachAgentGets()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("mcp.toml"));
        write(path, "[servers.everything]\ncommand = \"npx\"\nargs = [\"-y\", "
                    "\"@modelcontextprotocol/server-everything\"]\n"
                    "secrets = { API_TOKEN = \"mcp-token\" }\npersonas = [\"agent\"]\n\n"
                    "[servers.docs]\nurl = \"https://mcp.example.com/mcp\"\n");
        McpPage page(nullptr, path);
        page.applyPersonas(Persona::defaults(QStringLiteral("localhost/paddock-agent:test")));
        QSignalSpy reloaded(&page, &McpPage::reloaded);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTRY_VERIFY(!reloaded.isEmpty());
        QVERIFY(page.problem().isEmpty());
        auto *table = page.findChild<QTableWidget *>(QStringLiteral("mcpTable"));
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(table->item(0, McpPage::NameColumn)->text(), QStringLiteral("docs"));
        QCOMPARE(table->item(0, McpPage::PersonasColumn)->text(), QStringLiteral("every persona"));
        QCOMPARE(table->item(1, McpPage::RunsColumn)->text(),
                 QStringLiteral("npx -y @modelcontextprotocol/server-everything"));
        QVERIFY(table->item(1, McpPage::RunsColumn)->toolTip().contains(QStringLiteral("mcp-token")));

        // The persona `agent` gets both; `dev` only the one for every persona.
        auto *persona = page.findChild<QComboBox *>(QStringLiteral("mcpPersonaCombo"));
        auto *agent = page.findChild<QComboBox *>(QStringLiteral("mcpAgentCombo"));
        persona->setCurrentIndex(persona->findText(QStringLiteral("agent")));
        QVERIFY(page.generated().contains(QStringLiteral("\"everything\"")));
        QVERIFY(page.generated().contains(QStringLiteral("with-secrets")));
        QVERIFY(!page.generated().contains(QStringLiteral("mcp-VALUE")));
        agent->setCurrentIndex(agent->findData(int(McpPage::Agent::Codex)));
        QVERIFY2(page.generated().contains(QStringLiteral("[mcp_servers.\"everything\"]")),
                 qPrintable(page.generated()));
        agent->setCurrentIndex(agent->findData(int(McpPage::Agent::Opencode)));
        QVERIFY(page.generated().contains(QStringLiteral("\"remote\"")));
        agent->setCurrentIndex(agent->findData(int(McpPage::Agent::Copilot)));
        QVERIFY(page.generated().contains(QStringLiteral("~/.copilot/mcp-config.json")));
        persona->setCurrentIndex(persona->findText(QStringLiteral("dev")));
        QVERIFY(!page.generated().contains(QStringLiteral("everything")));
        QVERIFY(page.generated().contains(QStringLiteral("docs")));

        // A mistake: shown where it is, with what to do; the list empties until it is fixed.
        write(path, "[servers.a]\ncommand = \"x\"\ncwd = \"/\"\n");
        QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("mcpReloadButton")), Qt::LeftButton);
        QTRY_COMPARE(reloaded.size(), 2);
        QVERIFY2(page.problem().startsWith(path + QStringLiteral(":3:1")), qPrintable(page.problem()));
        QVERIFY(page.problem().contains(QStringLiteral("unknown key")));
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("mcpProblem"))->isVisible());
        QCOMPARE(table->rowCount(), 0);
        write(path, "[servers.a]\ncommand = \"x\"\n");
        QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("mcpReloadButton")), Qt::LeftButton);
        QTRY_COMPARE(reloaded.size(), 3);
        QVERIFY(page.problem().isEmpty());
        QCOMPARE(table->rowCount(), 1);
    }

    void openWritesAnExampleWhereThereIsNone()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config/mcp.toml"));
        McpPage page(nullptr, path);
        QSignalSpy reloaded(&page, &McpPage::reloaded);
        page.show();
        QTRY_VERIFY(!reloaded.isEmpty());
        QCOMPARE(page.findChild<QTableWidget *>(QStringLiteral("mcpTable"))->rowCount(), 0);
        QVERIFY(page.problem().isEmpty()); // no file: no servers, no problem
        QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("mcpOpenButton")), Qt::LeftButton);
        QTRY_VERIFY(QFile::exists(path));
        QTRY_COMPARE(m_opened, QList<QUrl>{QUrl::fromLocalFile(path)});
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), McpPage::example());
        // The example is all comments: it parses, to no servers.
        QTRY_COMPARE(reloaded.size(), 2);
        QCOMPARE(page.findChild<QTableWidget *>(QStringLiteral("mcpTable"))->rowCount(), 0);
    }
};

QTEST_MAIN(TestMcpPage)
#include "test_mcp_page.moc"
