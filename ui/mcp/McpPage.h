#pragma once

#include "agents/McpServer.h"
#include "common/Error.h"
#include "personas/Persona.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace paddock {

class PersonaRuntime;

// The MCP servers window: the servers of mcp.toml (name, what runs or where, the personas that get
// them), a problem with the file at its file:line:column, and — for a persona and an agent chosen
// above it — the configuration Paddock generates for that agent at the persona's start
// (AgentConfig), so that a user sees exactly what Claude Code, Codex, opencode or Copilot will find.
// The file is read off the UI thread (reload(), and when the page is shown); "Open mcp.toml" opens
// it in the desktop's editor (created with an example when there is none).
class McpPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(McpPage)

public:
    enum Column { NameColumn, RunsColumn, PersonasColumn, ColumnCount };
    enum class Agent { Claude, Codex, Opencode, Copilot };

    explicit McpPage(PersonaRuntime *runtime, QString path = {}, QWidget *parent = nullptr);
    ~McpPage() override;

    QString path() const { return m_path; }
    QList<McpServer> servers() const { return m_servers; }
    QString problem() const;   // the banner's text; empty when the file is fine
    QString generated() const; // the configuration shown
    // The configuration `agent` gets for `persona` from `servers` (the part about MCP servers).
    static QString generatedFor(Agent agent, const Persona &persona, const QList<McpServer> &servers);
    // An example file for a user who has none.
    static QByteArray example();

public slots:
    void applyPersonas(const QList<paddock::Persona> &personas);
    void reload();
    void openFile();

signals:
    void reloaded(); // after reload() has read the file (tests)

protected:
    void showEvent(QShowEvent *event) override;

private:
    void apply(const Result<QList<McpServer>> &servers);
    void updateGenerated();

    QPointer<PersonaRuntime> m_runtime;
    QString m_path;
    QList<McpServer> m_servers;
    QList<Persona> m_personas;
    QLabel *m_problem;
    QLabel *m_location;
    QTableWidget *m_table;
    QComboBox *m_persona;
    QComboBox *m_agent;
    QPlainTextEdit *m_generated;
    QPushButton *m_reload;
    QPushButton *m_open;
};

} // namespace paddock
