#pragma once
// What a coding agent prints when it runs headless (a scheduled job): the agent's own JSON events,
// one a line, read while they stream so that a budget can stop the run once it is spent. Each agent
// has its format (tests/data/agent-output holds real samples of each):
//   Claude Code  `-p --output-format stream-json`: a message's usage on its `assistant` events and
//                (with partial messages) its `message_delta`, the same message id repeated for each
//                content block; the `result` event has the session's totals and its cost in USD.
//   Codex        `exec --json`: `turn.completed` carries the thread's running totals (not the
//                turn's), `turn.failed` and `error` what went wrong; no cost.
//   opencode     `run --format json`: each `step_finish` carries that step's tokens and cost; no
//                final event: a step that does not end in tool calls is the last.
//   Copilot CLI  `-p --output-format json`: no tokens in the stream, a final `result` with its exit
//                code; its tokens come from its usage report (`--usage-output-file`) at the end.
// Pure: no I/O. Not thread-safe: one parser per run, on one thread.

#include "common/Error.h"
#include "personas/Persona.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

class QJsonObject;

namespace paddock {

// Tokens as the agent counts them, split so that none is counted twice.
struct AgentUsage
{
    qint64 inputTokens = 0;        // input not read from a cache
    qint64 outputTokens = 0;       // reasoning included
    qint64 cacheReadTokens = 0;    // input read from the provider's prompt cache
    qint64 cacheWriteTokens = 0;   // input written to it
    std::optional<double> costUsd; // as the agent reports it; none when it does not (never estimated)

    qint64 totalTokens() const { return inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens; }
    bool operator==(const AgentUsage &) const = default;
};

// Something in the output worth a line in a run's log.
struct AgentEvent
{
    enum class Kind {
        Tool,    // the agent ran a tool: its name (and command)
        Retry,   // a request to the model failed and is tried again
        Warning, // something the agent reported and went on after (or a line Paddock skipped)
        Error,   // something the agent reported as a failure
    };
    Kind kind = Kind::Warning;
    QString text;
    bool operator==(const AgentEvent &) const = default;
};

class AgentOutputParser final
{
public:
    using Agent = Persona::Agent::Kind;
    // A longer line is skipped (and reported): output an agent does not control (a tool's, a
    // prompt's) must not make Paddock hold unbounded memory.
    static constexpr qsizetype MaxLineBytes = 16 * 1024 * 1024;
    static constexpr qsizetype MaxEvents = 256; // the latest are kept
    static constexpr qsizetype MaxEventText = 500;

    // Shell and Custom have no format of their own: nothing is read, succeeded() stays unknown.
    explicit AgentOutputParser(Agent agent);

    // The agent's standard output as it arrives, cut anywhere; lines that are not a JSON object
    // (warnings, a tool's output) are skipped.
    void feed(QByteArrayView bytes);
    // The output has ended: a last line without a newline is read.
    void finish();

    Agent agent() const { return m_agent; }
    // Tokens (and cost) so far: the agent's final totals once it has printed them, until then the
    // sum of what it reported along the way.
    const AgentUsage &usage() const { return m_usage; }
    // Whether the agent has reported any tokens yet (Codex does at the end of its turn, Copilot CLI
    // only in its usage report): until then usage() is not zero but unknown.
    bool tokensKnown() const { return m_tokensKnown; }
    // Whether the agent printed the event that ends its run (Claude's and Copilot's `result`,
    // Codex's `turn.completed` or `turn.failed`, opencode's last step or its error).
    bool finished() const { return m_finished; }
    // The agent's own verdict: Claude's `result` is `success` without `is_error`, Codex's turn
    // completed, opencode's last step stopped without an error, Copilot's exit code is 0. Unknown
    // while it has not said (and after finish() when it never did: it was stopped, or crashed).
    std::optional<bool> succeeded() const { return m_succeeded; }
    QString result() const { return m_result; } // its final answer
    QString error() const { return m_error; }   // why it failed, in its words (or Paddock's)
    QString sessionId() const { return m_sessionId; }
    const QList<AgentEvent> &events() const { return m_events; }
    qint64 skippedLines() const { return m_skippedLines; }

    // Copilot CLI's usage report (the file of --usage-output-file): its tokens become usage().
    Result<void> readUsageReport(QByteArrayView json);

private:
    void line(QByteArrayView text);
    void claude(const QJsonObject &o);
    void codex(const QJsonObject &o);
    void opencode(const QJsonObject &o);
    void copilot(const QJsonObject &o);
    void addEvent(AgentEvent::Kind kind, const QString &text);
    // Claude Code: a message's usage, reported once per content block and updated by its
    // message_delta; the latest messages are kept by id so that none is counted twice.
    void claudeMessage(const QString &id, const AgentUsage &usage);

    Agent m_agent;
    QByteArray m_partial;
    bool m_discarding = false; // inside a line too long to keep
    qint64 m_skippedLines = 0;

    AgentUsage m_usage;
    bool m_tokensKnown = false;
    bool m_finished = false;
    std::optional<bool> m_succeeded;
    QString m_result;
    QString m_error;
    QString m_sessionId;
    QList<AgentEvent> m_events;

    // Claude Code before its result: messages whose usage may still change, and the sum of those
    // that fell out of that window.
    QList<std::pair<QString, AgentUsage>> m_messages;
    AgentUsage m_settled;
    QString m_streamMessage; // the message the partial-message events belong to
    bool m_sawError = false; // Codex, opencode: an error before any final event
    QString m_stepText;      // opencode: the current step's text
};

namespace AgentOutput {

// Where Copilot CLI writes its usage report in a headless run (readUsageReport()).
inline constexpr const char *CopilotUsageFile = "/tmp/paddock-copilot-usage.json";
// Linux refuses an exec whose argument is longer (MAX_ARG_STRLEN, the terminating NUL included).
inline constexpr qsizetype MaxArgumentBytes = 128 * 1024;

struct HeadlessRun
{
    Persona::Agent::Kind agent = Persona::Agent::Kind::Claude;
    QString prompt;        // one argument, never through a shell
    QString model;         // empty: the agent's configured default
    QString effort;        // Persona::Agent::effortLevels(); empty: the configured default
    double maxCostUsd = 0; // > 0: the agent stops itself there, where it can (Claude Code)
};

// The agent's command line for one prompt, without approval prompts (the container is the sandbox
// and the proxy the network's fence, as for the agent's session), printing its JSON events on
// standard output. It runs in the workspace in the agent session's environment (paddock-agent's
// _agent.env), with standard input closed (Codex reads a piped one as more prompt). Fails for an
// agent without a headless mode (shell, custom), a prompt that is empty or too long for one
// argument, a model or an effort the agent cannot take.
Result<QStringList> headlessCommand(const HeadlessRun &run);

} // namespace AgentOutput

} // namespace paddock
