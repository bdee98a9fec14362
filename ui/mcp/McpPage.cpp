#include "mcp/McpPage.h"

#include "agents/AgentConfig.h"
#include "agents/McpConfig.h"
#include "config/AtomicFile.h"
#include "runtime/PersonaRuntime.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace paddock {

McpPage::McpPage(PersonaRuntime *runtime, QString path, QWidget *parent)
    : QWidget(parent)
    , m_runtime(runtime)
    , m_path(path.isEmpty() ? McpConfig::defaultPath() : std::move(path))
    , m_problem(new QLabel)
    , m_location(new QLabel)
    , m_table(new QTableWidget(0, ColumnCount))
    , m_persona(new QComboBox)
    , m_agent(new QComboBox)
    , m_generated(new QPlainTextEdit)
    , m_reload(new QPushButton(tr("&Reload")))
    , m_open(new QPushButton(tr("&Open mcp.toml")))
{
    setObjectName(QStringLiteral("mcpPage"));
    auto *title = new QLabel(tr("MCP servers"));
    QFont font = title->font();
    font.setPointSizeF(font.pointSizeF() * 1.3);
    font.setBold(true);
    title->setFont(font);
    m_problem->setObjectName(QStringLiteral("mcpProblem"));
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette red = m_problem->palette();
    red.setColor(QPalette::WindowText, QColor(0xb7, 0x1c, 0x1c));
    m_problem->setPalette(red);
    m_problem->hide();
    m_location->setObjectName(QStringLiteral("mcpLocation"));
    m_location->setWordWrap(true);
    m_location->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_location->setText(tr("Configured once in %1, for every agent of the personas named there; each "
                           "persona's agents get them in their own format at its next start.")
                            .arg(m_path));
    m_table->setObjectName(QStringLiteral("mcpTable"));
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Runs"), tr("Personas")});
    m_table->horizontalHeader()->setSectionResizeMode(RunsColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_persona->setObjectName(QStringLiteral("mcpPersonaCombo"));
    m_agent->setObjectName(QStringLiteral("mcpAgentCombo"));
    m_agent->addItem(QStringLiteral("Claude Code"), int(Agent::Claude));
    m_agent->addItem(QStringLiteral("Codex"), int(Agent::Codex));
    m_agent->addItem(QStringLiteral("opencode"), int(Agent::Opencode));
    m_agent->addItem(QStringLiteral("GitHub Copilot CLI"), int(Agent::Copilot));
    m_generated->setObjectName(QStringLiteral("mcpGenerated"));
    m_generated->setReadOnly(true);
    m_generated->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_reload->setObjectName(QStringLiteral("mcpReloadButton"));
    m_open->setObjectName(QStringLiteral("mcpOpenButton"));
    m_open->setToolTip(tr("Open the file in your editor (an example is written when there is none)"));

    auto *header = new QHBoxLayout;
    header->addWidget(title);
    header->addStretch(1);
    header->addWidget(m_reload);
    header->addWidget(m_open);
    auto *chooser = new QHBoxLayout;
    chooser->addWidget(new QLabel(tr("Generated at the start of")));
    chooser->addWidget(m_persona);
    chooser->addWidget(new QLabel(tr("for")));
    chooser->addWidget(m_agent);
    chooser->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_problem);
    layout->addWidget(m_location);
    layout->addWidget(m_table, 1);
    layout->addLayout(chooser);
    layout->addWidget(m_generated, 1);

    connect(m_reload, &QPushButton::clicked, this, &McpPage::reload);
    connect(m_open, &QPushButton::clicked, this, &McpPage::openFile);
    connect(m_persona, &QComboBox::currentIndexChanged, this, &McpPage::updateGenerated);
    connect(m_agent, &QComboBox::currentIndexChanged, this, &McpPage::updateGenerated);
    if (runtime) {
        connect(runtime, &PersonaRuntime::personasChanged, this, &McpPage::applyPersonas);
        applyPersonas(runtime->personas());
    }
}

McpPage::~McpPage() = default;

QString McpPage::problem() const
{
    return m_problem->isHidden() ? QString() : m_problem->text();
}

QString McpPage::generated() const
{
    return m_generated->toPlainText();
}

void McpPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    reload();
}

void McpPage::applyPersonas(const QList<Persona> &personas)
{
    m_personas = personas;
    const QString current = m_persona->currentText();
    const QSignalBlocker block(m_persona);
    m_persona->clear();
    for (const Persona &p : personas)
        m_persona->addItem(p.name);
    if (const int index = m_persona->findText(current); index >= 0)
        m_persona->setCurrentIndex(index);
    updateGenerated();
}

void McpPage::reload()
{
    QtConcurrent::run([path = m_path] {
        return McpConfig::load(path);
    }).then(this, [this](const Result<QList<McpServer>> &servers) {
        apply(servers);
        emit reloaded();
    });
}

void McpPage::apply(const Result<QList<McpServer>> &servers)
{
    m_problem->setVisible(!servers);
    m_problem->setText(servers ? QString() : servers.error().text());
    m_servers = servers ? *servers : QList<McpServer>{};
    m_table->setRowCount(int(m_servers.size()));
    for (int row = 0; row < m_servers.size(); ++row) {
        const McpServer &s = m_servers.at(row);
        const QString runs = s.isHttp() ? s.url : QStringList(QStringList{s.command} + s.args).join(u' ');
        const QString personas =
            s.personas.isEmpty() ? tr("every persona") : s.personas.join(QStringLiteral(", "));
        const QStringList cells{s.name, runs, personas};
        for (int column = 0; column < ColumnCount; ++column)
            m_table->setItem(row, column, new QTableWidgetItem(cells.at(column)));
        if (!s.secrets.isEmpty())
            m_table->item(row, RunsColumn)
                ->setToolTip(tr("With the secrets %1, read from the tmpfs when it starts")
                                 .arg(s.secrets.values().join(QStringLiteral(", "))));
    }
    m_table->resizeColumnToContents(NameColumn);
    updateGenerated();
}

QString McpPage::generatedFor(Agent agent, const Persona &persona, const QList<McpServer> &servers)
{
    const QList<McpServer> mine = McpConfig::forPersona(servers, persona.name);
    const auto files = AgentConfig::files(persona, {}, mine);
    auto part = [&](const char *file, const char *key) {
        const QJsonObject o = QJsonDocument::fromJson(files.value(QLatin1StringView(file))).object();
        return QString::fromUtf8(
            QJsonDocument(QJsonObject{{QLatin1StringView(key), o.value(QLatin1StringView(key))}}).toJson());
    };
    switch (agent) {
    case Agent::Claude:
        return tr("// ~/.claude.json (merged into it), and mcp__NAME allowed in ~/.claude/settings.json") +
               u'\n' + part("_claude-state.json", "mcpServers");
    case Agent::Codex: {
        const QString toml = QString::fromUtf8(files.value(QStringLiteral("_codex-config.toml")));
        const qsizetype at = toml.indexOf(QStringLiteral("[mcp_servers."));
        return tr("# ~/.codex/config.toml") + u'\n' + (at < 0 ? tr("# (no MCP servers)") : toml.mid(at));
    }
    case Agent::Opencode:
        return tr("// opencode's configuration (OPENCODE_CONFIG)") + u'\n' + part("_opencode.json", "mcp");
    case Agent::Copilot:
        return tr("// ~/.copilot/mcp-config.json") + u'\n' +
               QString::fromUtf8(files.value(QStringLiteral("_copilot-mcp.json")));
    }
    return {};
}

void McpPage::updateGenerated()
{
    const auto it = std::find_if(m_personas.cbegin(), m_personas.cend(),
                                 [&](const Persona &p) { return p.name == m_persona->currentText(); });
    if (it == m_personas.cend()) {
        m_generated->setPlainText(tr("There are no personas."));
        return;
    }
    m_generated->setPlainText(generatedFor(Agent(m_agent->currentData().toInt()), *it, m_servers));
}

QByteArray McpPage::example()
{
    return "# Paddock's MCP servers: every agent of the personas named finds them in its own configuration\n"
           "# at the persona's next start (docs/agents.md).\n"
           "#\n"
           "# [servers.everything]\n"
           "# command = \"npx\"\n"
           "# args = [\"-y\", \"@modelcontextprotocol/server-everything@2026.8.31\"]\n"
           "# secrets = { API_TOKEN = \"a-secret-name\" }  # read from the keychain, never written here\n"
           "# personas = [\"agent\"]                       # omitted: every persona\n"
           "#\n"
           "# [servers.docs]\n"
           "# url = \"https://mcp.example.com/mcp\"\n";
}

void McpPage::openFile()
{
    QtConcurrent::run([path = m_path]() -> Result<void> {
        if (QFileInfo::exists(path))
            return {};
        return AtomicFile::write(path, example());
    }).then(this, [this](const Result<void> &ready) {
        if (!ready) {
            m_problem->setText(ready.error().text());
            m_problem->show();
            return;
        }
        if (!QDesktopServices::openUrl(QUrl::fromLocalFile(m_path))) {
            m_problem->setText(
                tr("No program opens %1 on this desktop; edit it with any text editor.").arg(m_path));
            m_problem->show();
        }
        reload();
    });
}

} // namespace paddock
