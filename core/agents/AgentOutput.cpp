#include "agents/AgentOutput.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace paddock {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddock::AgentOutput)
};

using Kind = Persona::Agent::Kind;

// Claude Code messages whose usage may still be updated (parallel subagents interleave theirs).
constexpr qsizetype OpenMessages = 64;
// No count is believed above this, and sums stop there: a hostile stream cannot overflow them.
constexpr qint64 MaxCount = qint64(1) << 50;

qint64 count(const QJsonValue &v)
{
    const double d = v.toDouble();
    if (!std::isfinite(d) || d <= 0)
        return 0;
    return d >= double(MaxCount) ? MaxCount : qint64(d);
}

qint64 plus(qint64 a, qint64 b)
{
    return std::min(a + b, MaxCount);
}

// A cost as reported, kept far enough from infinity that sums of it stay finite numbers.
std::optional<double> dollars(const QJsonValue &v)
{
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < 0)
        return std::nullopt;
    return std::min(v.toDouble(), 1e12);
}

void add(AgentUsage &to, const AgentUsage &more)
{
    to.inputTokens = plus(to.inputTokens, more.inputTokens);
    to.outputTokens = plus(to.outputTokens, more.outputTokens);
    to.cacheReadTokens = plus(to.cacheReadTokens, more.cacheReadTokens);
    to.cacheWriteTokens = plus(to.cacheWriteTokens, more.cacheWriteTokens);
    if (more.costUsd)
        to.costUsd = to.costUsd.value_or(0) + *more.costUsd;
}

// Each count the larger of the two: for reports of one thing that only ever grows.
AgentUsage atLeast(const AgentUsage &a, const AgentUsage &b)
{
    AgentUsage out = a;
    out.inputTokens = std::max(a.inputTokens, b.inputTokens);
    out.outputTokens = std::max(a.outputTokens, b.outputTokens);
    out.cacheReadTokens = std::max(a.cacheReadTokens, b.cacheReadTokens);
    out.cacheWriteTokens = std::max(a.cacheWriteTokens, b.cacheWriteTokens);
    return out;
}

// OpenAI's way (Codex, Copilot): the input count includes what was read from and written to the
// cache, the output count the reasoning.
AgentUsage openAiUsage(qint64 input, qint64 cacheRead, qint64 cacheWrite, qint64 output)
{
    AgentUsage u;
    u.cacheReadTokens = cacheRead;
    u.cacheWriteTokens = cacheWrite;
    u.inputTokens = std::max<qint64>(0, input - cacheRead - cacheWrite);
    u.outputTokens = output;
    return u;
}

// Anthropic's way (Claude Code): input without the cache, each cache count apart.
AgentUsage anthropicUsage(const QJsonObject &u)
{
    AgentUsage out;
    out.inputTokens = count(u.value("input_tokens"_L1));
    out.outputTokens = count(u.value("output_tokens"_L1));
    out.cacheReadTokens = count(u.value("cache_read_input_tokens"_L1));
    out.cacheWriteTokens = count(u.value("cache_creation_input_tokens"_L1));
    return out;
}

QString string(const QJsonObject &o, QLatin1StringView key)
{
    return o.value(key).toString();
}

// "NAME: COMMAND" for a tool call whose input has a command, else its name.
QString toolText(const QString &name, const QJsonValue &command)
{
    const QString c = command.isArray() ? command.toVariant().toStringList().join(u' ') : command.toString();
    if (c.isEmpty())
        return name;
    return name + u": "_s + c;
}

// The agent as people know it, for sentences.
QString agentName(Kind agent)
{
    switch (agent) {
    case Kind::Claude:
        return u"Claude Code"_s;
    case Kind::Codex:
        return u"Codex"_s;
    case Kind::Opencode:
        return u"opencode"_s;
    case Kind::Copilot:
        return u"Copilot CLI"_s;
    case Kind::Shell:
    case Kind::Custom:
        break;
    }
    return Persona::Agent::kindName(agent);
}

} // namespace

AgentOutputParser::AgentOutputParser(Agent agent)
    : m_agent(agent)
{}

void AgentOutputParser::feed(QByteArrayView bytes)
{
    while (!bytes.isEmpty()) {
        const qsizetype end = bytes.indexOf('\n');
        const QByteArrayView piece = end < 0 ? bytes : bytes.first(end);
        if (!m_discarding && m_partial.size() + piece.size() > MaxLineBytes) {
            m_partial.clear();
            m_discarding = true;
            ++m_skippedLines;
            addEvent(AgentEvent::Kind::Warning,
                     Text::tr("a line of more than %1 MiB was skipped").arg(MaxLineBytes / (1024 * 1024)));
        }
        if (!m_discarding)
            m_partial.append(piece);
        if (end < 0)
            return;
        if (!m_discarding)
            line(m_partial);
        m_partial.clear();
        m_discarding = false;
        bytes = bytes.sliced(end + 1);
    }
}

void AgentOutputParser::finish()
{
    if (!m_discarding && !m_partial.isEmpty())
        line(m_partial);
    m_partial.clear();
    m_discarding = false;
    if (m_finished || m_agent == Kind::Shell || m_agent == Kind::Custom)
        return;
    if (m_sawError)
        m_succeeded = false;
    if (m_error.isEmpty())
        m_error = Text::tr("%1 ended without reporting how its run went").arg(agentName(m_agent));
}

void AgentOutputParser::line(QByteArrayView text)
{
    // Cheap first: most lines that are not events do not start like one.
    const QByteArrayView trimmed = text.trimmed();
    if (!trimmed.startsWith('{')) {
        if (!trimmed.isEmpty())
            ++m_skippedLines;
        return;
    }
    QJsonParseError problem;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed.toByteArray(), &problem);
    if (problem.error != QJsonParseError::NoError || !doc.isObject()) {
        ++m_skippedLines;
        return;
    }
    const QJsonObject o = doc.object();
    switch (m_agent) {
    case Kind::Claude:
        return claude(o);
    case Kind::Codex:
        return codex(o);
    case Kind::Opencode:
        return opencode(o);
    case Kind::Copilot:
        return copilot(o);
    case Kind::Shell:
    case Kind::Custom:
        return;
    }
}

void AgentOutputParser::addEvent(AgentEvent::Kind kind, const QString &text)
{
    if (m_events.size() >= MaxEvents)
        m_events.removeFirst();
    m_events.append({kind, text.left(MaxEventText)});
}

void AgentOutputParser::claudeMessage(const QString &id, const AgentUsage &usage)
{
    if (id.isEmpty())
        return;
    auto it =
        std::find_if(m_messages.begin(), m_messages.end(), [&id](const auto &m) { return m.first == id; });
    if (it != m_messages.end()) {
        it->second = atLeast(it->second, usage);
    } else {
        m_messages.append({id, usage});
        if (m_messages.size() > OpenMessages)
            add(m_settled, m_messages.takeFirst().second);
    }
    AgentUsage sum = m_settled;
    for (const auto &m : std::as_const(m_messages))
        add(sum, m.second);
    m_usage = sum;
    m_tokensKnown = true;
}

void AgentOutputParser::claude(const QJsonObject &o)
{
    const QString type = string(o, "type"_L1);
    if (m_sessionId.isEmpty())
        m_sessionId = string(o, "session_id"_L1);
    if (type == "system"_L1 && string(o, "subtype"_L1) == "api_retry"_L1) {
        const QString status = o.value("error_status"_L1).isDouble()
                                   ? QString::number(o.value("error_status"_L1).toInt())
                                   : QString();
        addEvent(AgentEvent::Kind::Retry,
                 Text::tr("a request to the model failed (%1), retrying: attempt %2 of %3")
                     .arg(QStringList{string(o, "error"_L1), status}.join(u' ').trimmed())
                     .arg(count(o.value("attempt"_L1)))
                     .arg(count(o.value("max_retries"_L1))));
        return;
    }
    if (type == "assistant"_L1) {
        const QJsonObject message = o.value("message"_L1).toObject();
        claudeMessage(string(message, "id"_L1), anthropicUsage(message.value("usage"_L1).toObject()));
        for (const QJsonValue &block : message.value("content"_L1).toArray()) {
            const QJsonObject b = block.toObject();
            if (string(b, "type"_L1) == "tool_use"_L1)
                addEvent(AgentEvent::Kind::Tool,
                         toolText(string(b, "name"_L1), b.value("input"_L1).toObject().value("command"_L1)));
        }
        return;
    }
    if (type == "stream_event"_L1) {
        // With --include-partial-messages: message_delta has a message's final output count,
        // which its assistant events (sent before it) do not.
        const QJsonObject event = o.value("event"_L1).toObject();
        const QString eventType = string(event, "type"_L1);
        const QString id = string(o, "api_message_id"_L1);
        if (eventType == "message_start"_L1) {
            const QJsonObject message = event.value("message"_L1).toObject();
            m_streamMessage = id.isEmpty() ? string(message, "id"_L1) : id;
            claudeMessage(m_streamMessage, anthropicUsage(message.value("usage"_L1).toObject()));
        } else if (eventType == "message_delta"_L1) {
            claudeMessage(id.isEmpty() ? m_streamMessage : id,
                          anthropicUsage(event.value("usage"_L1).toObject()));
        }
        return;
    }
    if (type != "result"_L1)
        return;
    // The session's totals: per model (what its cost is computed from; `usage` alone can be empty,
    // as after --max-budget-usd stops it), never below what its messages said along the way.
    AgentUsage totals;
    const QJsonObject models = o.value("modelUsage"_L1).toObject();
    for (auto it = models.begin(); it != models.end(); ++it) {
        const QJsonObject m = it.value().toObject();
        add(totals, {count(m.value("inputTokens"_L1)), count(m.value("outputTokens"_L1)),
                     count(m.value("cacheReadInputTokens"_L1)), count(m.value("cacheCreationInputTokens"_L1)),
                     std::nullopt});
    }
    if (models.isEmpty())
        totals = anthropicUsage(o.value("usage"_L1).toObject());
    m_settled = atLeast(totals, m_usage);
    m_settled.costUsd = dollars(o.value("total_cost_usd"_L1));
    m_messages.clear();
    m_usage = m_settled;
    m_tokensKnown = true;

    m_finished = true;
    m_result = string(o, "result"_L1);
    const bool ok = string(o, "subtype"_L1) == "success"_L1 && !o.value("is_error"_L1).toBool();
    m_succeeded = ok;
    if (ok)
        return;
    QStringList errors;
    for (const QJsonValue &e : o.value("errors"_L1).toArray())
        if (!e.toString().isEmpty())
            errors << e.toString();
    m_error =
        errors.isEmpty() ? (m_result.isEmpty() ? string(o, "subtype"_L1) : m_result) : errors.join(u'\n');
    if (m_error.isEmpty())
        m_error = Text::tr("Claude Code reported an error");
    addEvent(AgentEvent::Kind::Error, m_error);
}

void AgentOutputParser::codex(const QJsonObject &o)
{
    const QString type = string(o, "type"_L1);
    if (type == "thread.started"_L1) {
        m_sessionId = string(o, "thread_id"_L1);
    } else if (type == "turn.started"_L1) {
        m_finished = false;
        m_succeeded.reset();
    } else if (type == "item.completed"_L1) {
        const QJsonObject item = o.value("item"_L1).toObject();
        const QString itemType = string(item, "type"_L1);
        if (itemType == "agent_message"_L1) {
            m_result = string(item, "text"_L1);
        } else if (itemType == "command_execution"_L1) {
            addEvent(AgentEvent::Kind::Tool, toolText(u"shell"_s, item.value("command"_L1)));
        } else if (itemType == "mcp_tool_call"_L1) {
            addEvent(AgentEvent::Kind::Tool, string(item, "server"_L1) + u'/' + string(item, "tool"_L1));
        } else if (itemType == "error"_L1) {
            addEvent(AgentEvent::Kind::Warning, string(item, "message"_L1));
        }
    } else if (type == "turn.completed"_L1) {
        // The thread's running totals, not the turn's own.
        const QJsonObject u = o.value("usage"_L1).toObject();
        m_usage = atLeast(m_usage, openAiUsage(count(u.value("input_tokens"_L1)),
                                               count(u.value("cached_input_tokens"_L1)),
                                               count(u.value("cache_write_input_tokens"_L1)),
                                               count(u.value("output_tokens"_L1))));
        m_tokensKnown = true;
        m_finished = true;
        m_succeeded = true;
        m_sawError = false;
        m_error.clear();
    } else if (type == "turn.failed"_L1) {
        m_finished = true;
        m_succeeded = false;
        m_error = string(o.value("error"_L1).toObject(), "message"_L1);
        if (m_error.isEmpty())
            m_error = Text::tr("Codex reported that its turn failed");
        addEvent(AgentEvent::Kind::Error, m_error);
    } else if (type == "error"_L1) {
        // Its retries come this way too, before a turn that may still complete.
        const QString message = string(o, "message"_L1);
        const bool retry = message.startsWith("Reconnecting"_L1);
        addEvent(retry ? AgentEvent::Kind::Retry : AgentEvent::Kind::Error, message);
        if (!retry) {
            m_sawError = true;
            m_error = message;
        }
    }
}

void AgentOutputParser::opencode(const QJsonObject &o)
{
    const QString type = string(o, "type"_L1);
    if (m_sessionId.isEmpty())
        m_sessionId = string(o, "sessionID"_L1);
    const QJsonObject part = o.value("part"_L1).toObject();
    if (type == "step_start"_L1) {
        m_stepText.clear();
    } else if (type == "text"_L1) {
        const QString text = string(part, "text"_L1);
        m_stepText = m_stepText.isEmpty() ? text : QString(m_stepText + u'\n' + text);
        m_result = m_stepText;
    } else if (type == "tool_use"_L1) {
        const QJsonObject state = part.value("state"_L1).toObject();
        QString text =
            toolText(string(part, "tool"_L1), state.value("input"_L1).toObject().value("command"_L1));
        if (string(state, "status"_L1) == "error"_L1)
            text = Text::tr("%1 (failed: %2)").arg(text, string(state, "error"_L1));
        addEvent(AgentEvent::Kind::Tool, text);
    } else if (type == "step_finish"_L1) {
        // Each step's own tokens; its input without the cache, its reasoning apart from the output.
        const QJsonObject tokens = part.value("tokens"_L1).toObject();
        const QJsonObject cache = tokens.value("cache"_L1).toObject();
        add(m_usage,
            {count(tokens.value("input"_L1)),
             plus(count(tokens.value("output"_L1)), count(tokens.value("reasoning"_L1))),
             count(cache.value("read"_L1)), count(cache.value("write"_L1)), dollars(part.value("cost"_L1))});
        m_tokensKnown = true;
        const QString reason = string(part, "reason"_L1);
        if (reason == "tool-calls"_L1)
            return;
        m_finished = true;
        const bool cutOff = reason == "length"_L1 || reason == "content-filter"_L1 || reason == "error"_L1;
        m_succeeded = !m_sawError && !cutOff;
        if (cutOff && !m_sawError) {
            m_error = Text::tr("opencode's model stopped early (%1)").arg(reason);
            addEvent(AgentEvent::Kind::Error, m_error);
        }
    } else if (type == "error"_L1) {
        const QJsonObject error = o.value("error"_L1).toObject();
        QString message = string(error.value("data"_L1).toObject(), "message"_L1);
        if (message.isEmpty())
            message = string(error, "name"_L1);
        if (message.isEmpty())
            message = Text::tr("opencode reported an error");
        m_error = message;
        m_sawError = true;
        m_finished = true;
        m_succeeded = false;
        addEvent(AgentEvent::Kind::Error, message);
    }
}

void AgentOutputParser::copilot(const QJsonObject &o)
{
    const QString type = string(o, "type"_L1);
    const QJsonObject data = o.value("data"_L1).toObject();
    if (type == "assistant.message"_L1) {
        if (const QString content = string(data, "content"_L1); !content.isEmpty())
            m_result = content;
    } else if (type == "tool.execution_start"_L1) {
        addEvent(AgentEvent::Kind::Tool, toolText(string(data, "toolName"_L1),
                                                  data.value("arguments"_L1).toObject().value("command"_L1)));
    } else if (type == "assistant.turn_retry"_L1) {
        addEvent(AgentEvent::Kind::Retry,
                 Text::tr("a request to the model failed (%1), retrying").arg(string(data, "reason"_L1)));
    } else if (type == "session.error"_L1) {
        m_sawError = true;
        m_error = string(data, "message"_L1);
        if (m_error.isEmpty())
            m_error = Text::tr("Copilot CLI reported an error (%1)").arg(string(data, "errorType"_L1));
        addEvent(AgentEvent::Kind::Error, m_error);
    } else if (type == "result"_L1) {
        m_sessionId = string(o, "sessionId"_L1);
        m_finished = true;
        const QJsonValue exit = o.value("exitCode"_L1);
        m_succeeded = exit.isDouble() && exit.toDouble() == 0 && !m_sawError;
        if (!*m_succeeded && m_error.isEmpty())
            m_error = exit.isDouble() ? Text::tr("Copilot CLI ended with exit code %1").arg(exit.toInteger())
                                      : Text::tr("Copilot CLI ended without an exit code");
    }
}

Result<void> AgentOutputParser::readUsageReport(QByteArrayView json)
{
    QJsonParseError problem;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &problem);
    if (problem.error != QJsonParseError::NoError || !doc.isObject())
        return fail(Error::Code::Parse,
                    Text::tr("Copilot CLI's usage report is not a JSON object (%1 at byte %2)")
                        .arg(problem.errorString())
                        .arg(problem.offset),
                    QLatin1StringView(AgentOutput::CopilotUsageFile));
    const QJsonValue models = doc.object().value("modelMetrics"_L1);
    if (!models.isObject())
        return fail(Error::Code::Invalid,
                    Text::tr("Copilot CLI's usage report has no token counts (modelMetrics)"),
                    QLatin1StringView(AgentOutput::CopilotUsageFile));
    // Its `cost` counts premium requests, not dollars: no cost.
    AgentUsage totals;
    const QJsonObject perModel = models.toObject();
    for (auto it = perModel.begin(); it != perModel.end(); ++it) {
        const QJsonObject u = it.value().toObject().value("usage"_L1).toObject();
        add(totals, openAiUsage(count(u.value("inputTokens"_L1)), count(u.value("cacheReadTokens"_L1)),
                                count(u.value("cacheWriteTokens"_L1)), count(u.value("outputTokens"_L1))));
    }
    m_usage = atLeast(totals, m_usage);
    m_tokensKnown = true;
    return {};
}

namespace AgentOutput {

Result<QStringList> headlessCommand(const HeadlessRun &run)
{
    const QString name = agentName(run.agent);
    if (run.agent == Kind::Shell || run.agent == Kind::Custom)
        return fail(Error::Code::Invalid,
                    Text::tr("the %1 agent has no headless mode to run a prompt in").arg(name), {},
                    Text::tr("Choose Claude Code, Codex, opencode or Copilot CLI for a job with a prompt."));
    if (run.prompt.trimmed().isEmpty())
        return fail(Error::Code::Invalid, Text::tr("the prompt is empty"), u"prompt"_s);
    if (run.prompt.contains(QChar(0)))
        return fail(Error::Code::Invalid,
                    Text::tr("the prompt contains a NUL character, which no command line can"), u"prompt"_s);
    // Copilot takes it as "--prompt=…"; the terminating NUL counts too.
    if (run.prompt.toUtf8().size() + 10 > MaxArgumentBytes)
        return fail(Error::Code::Invalid,
                    Text::tr("the prompt is %1 KiB, more than the %2 KiB one argument of a command may have")
                        .arg(run.prompt.toUtf8().size() / 1024)
                        .arg(MaxArgumentBytes / 1024),
                    u"prompt"_s,
                    Text::tr("Put the long part in a file of the repository and ask the agent to read it."));
    // One word the agent takes as its model, never as an option of its own (as PersonaStore).
    static const QRegularExpression modelName(u"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}\\z"_s);
    if (!run.model.isEmpty() && !modelName.match(run.model).hasMatch())
        return fail(Error::Code::Invalid, Text::tr("\"%1\" is not a model name").arg(run.model.left(80)),
                    u"model"_s);
    if (!run.effort.isEmpty() && !Persona::Agent::hasEffort(run.agent))
        return fail(Error::Code::Invalid, Text::tr("the %1 agent has no reasoning effort to set").arg(name),
                    u"effort"_s);
    if (!run.effort.isEmpty() && !Persona::Agent::effortLevels().contains(run.effort))
        return fail(Error::Code::Invalid,
                    Text::tr("the effort \"%1\" is not one of %2")
                        .arg(run.effort.left(40), Persona::Agent::effortLevels().join(u", "_s)),
                    u"effort"_s);
    if (!std::isfinite(run.maxCostUsd) || run.maxCostUsd < 0)
        return fail(Error::Code::Invalid, Text::tr("the cost limit must be a positive number of dollars"),
                    u"maxCostUsd"_s);

    QStringList out;
    switch (run.agent) {
    case Kind::Claude:
        // stream-json needs --verbose with -p; partial messages carry each message's output tokens.
        out = {u"claude"_s,      u"-p"_s,        u"--output-format"_s,
               u"stream-json"_s, u"--verbose"_s, u"--include-partial-messages"_s};
        if (!run.model.isEmpty())
            out << u"--model"_s << run.model;
        // Claude Code has no "minimal" (it would ignore the option): its lowest instead.
        if (!run.effort.isEmpty())
            out << u"--effort"_s << (run.effort == "minimal"_L1 ? u"low"_s : run.effort);
        if (run.maxCostUsd > 0)
            out << u"--max-budget-usd"_s << QString::number(run.maxCostUsd, 'f', 6);
        return out << u"--"_s << run.prompt;
    case Kind::Codex:
        out = {u"codex"_s, u"exec"_s, u"--json"_s, u"--skip-git-repo-check"_s,
               u"--dangerously-bypass-approvals-and-sandbox"_s};
        if (!run.model.isEmpty())
            out << u"--model"_s << run.model;
        if (!run.effort.isEmpty())
            out << u"-c"_s << u"model_reasoning_effort=\"%1\""_s.arg(run.effort);
        return out << u"--"_s << run.prompt;
    case Kind::Opencode:
        // --auto: what its configuration does not allow is approved, not refused (nobody to ask).
        out = {u"opencode"_s, u"run"_s, u"--format"_s, u"json"_s, u"--auto"_s};
        if (!run.model.isEmpty())
            out << u"--model"_s << run.model;
        return out << u"--"_s << run.prompt;
    case Kind::Copilot:
        // --no-auto-update: the pinned version, not one it downloaded into the home volume earlier.
        out = {u"copilot"_s,
               u"--output-format"_s,
               u"json"_s,
               u"--allow-all"_s,
               u"--no-ask-user"_s,
               u"--no-auto-update"_s,
               u"--usage-output-file"_s,
               QLatin1StringView(CopilotUsageFile)};
        if (!run.model.isEmpty())
            out << u"--model"_s << run.model;
        if (!run.effort.isEmpty())
            out << u"--reasoning-effort"_s << run.effort;
        // Its prompt is an option's value: attached, so that a prompt starting with "-" stays one.
        return out << QString(u"--prompt="_s + run.prompt);
    case Kind::Shell:
    case Kind::Custom:
        break;
    }
    return fail(Error::Code::Internal, Text::tr("no headless command for the %1 agent").arg(name));
}

} // namespace AgentOutput

} // namespace paddock
