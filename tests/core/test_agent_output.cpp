// What the agents print when a job runs them headless, read as it streams: real output of each
// agent (tests/data/agent-output, captured against the fake model API) gives the tokens, the cost
// where the agent reports one, its own verdict, its answer and its error; the same whether it
// arrives whole, a byte at a time or between warnings that are not JSON; a line too long to keep is
// skipped without losing the rest. Cases no capture shows (the cache, one message reported several
// times, Codex's running totals over two turns) are lines written after the formats' rules, said so
// where they are. And the command lines each agent gets for a prompt.
#include "agents/AgentOutput.h"

#include <QFile>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace paddock;
using namespace Qt::StringLiterals;

using Agent = Persona::Agent::Kind;
Q_DECLARE_METATYPE(Agent)
Q_DECLARE_METATYPE(std::optional<bool>)

namespace {

QByteArray sample(const QString &name)
{
    QFile f(qEnvironmentVariable("PADDOCK_SOURCE_DIR") + u"/tests/data/agent-output/"_s + name);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The parser after all of `bytes`, fed in pieces of `step` bytes (0: at once).
AgentOutputParser parsed(Agent agent, const QByteArray &bytes, qsizetype step = 0)
{
    AgentOutputParser p(agent);
    if (step == 0)
        p.feed(bytes);
    for (qsizetype at = 0; step > 0 && at < bytes.size(); at += step)
        p.feed(QByteArrayView(bytes).sliced(at, std::min(step, bytes.size() - at)));
    p.finish();
    return p;
}

// All lines but the last (the agent's final event), to look at the run while it streams.
QByteArray withoutLastLine(const QByteArray &bytes)
{
    const QByteArray trimmed = bytes.trimmed();
    return trimmed.left(trimmed.lastIndexOf('\n') + 1);
}

void compareState(const AgentOutputParser &a, const AgentOutputParser &b)
{
    QCOMPARE(a.usage(), b.usage());
    QCOMPARE(a.tokensKnown(), b.tokensKnown());
    QCOMPARE(a.finished(), b.finished());
    QCOMPARE(a.succeeded(), b.succeeded());
    QCOMPARE(a.result(), b.result());
    QCOMPARE(a.error(), b.error());
    QCOMPARE(a.sessionId(), b.sessionId());
    QCOMPARE(a.events(), b.events());
}

int countOf(const AgentOutputParser &p, AgentEvent::Kind kind)
{
    return int(std::ranges::count_if(p.events(), [kind](const AgentEvent &e) { return e.kind == kind; }));
}

bool hasEvent(const AgentOutputParser &p, AgentEvent::Kind kind, const QString &text)
{
    return std::ranges::any_of(p.events(),
                               [&](const AgentEvent &e) { return e.kind == kind && e.text == text; });
}

AgentUsage tokens(qint64 input, qint64 output, qint64 cacheRead = 0, qint64 cacheWrite = 0,
                  std::optional<double> cost = std::nullopt)
{
    return {input, output, cacheRead, cacheWrite, cost};
}

void compareUsage(const AgentUsage &actual, const AgentUsage &expected)
{
    QCOMPARE(actual.inputTokens, expected.inputTokens);
    QCOMPARE(actual.outputTokens, expected.outputTokens);
    QCOMPARE(actual.cacheReadTokens, expected.cacheReadTokens);
    QCOMPARE(actual.cacheWriteTokens, expected.cacheWriteTokens);
    QCOMPARE(actual.costUsd.has_value(), expected.costUsd.has_value());
    if (expected.costUsd)
        QVERIFY2(std::abs(*actual.costUsd - *expected.costUsd) < 1e-9,
                 qPrintable(QString::number(*actual.costUsd)));
}

const QList<std::pair<Agent, QString>> Samples{
    {Agent::Claude, u"claude-stream.jsonl"_s},     {Agent::Claude, u"claude-max-turns.jsonl"_s},
    {Agent::Claude, u"claude-max-budget.jsonl"_s}, {Agent::Claude, u"claude-api-error.jsonl"_s},
    {Agent::Codex, u"codex-exec.jsonl"_s},         {Agent::Codex, u"codex-failed.jsonl"_s},
    {Agent::Opencode, u"opencode-run.jsonl"_s},    {Agent::Opencode, u"opencode-error.jsonl"_s},
    {Agent::Copilot, u"copilot-prompt.jsonl"_s},   {Agent::Copilot, u"copilot-error.jsonl"_s},
};

} // namespace

class TestAgentOutput : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        for (const auto &[agent, name] : Samples)
            QVERIFY2(!sample(name).isEmpty(),
                     qPrintable(u"no sample "_s + name + u" (PADDOCK_SOURCE_DIR?)"_s));
    }

    // ---- Claude Code ----

    void claudeSucceeds()
    {
        const QByteArray out = sample(u"claude-stream.jsonl"_s);
        // While it runs: its two messages, each output count from its message_delta; no cost yet.
        AgentOutputParser running(Agent::Claude);
        running.feed(withoutLastLine(out));
        compareUsage(running.usage(), tokens(200, 40));
        QVERIFY(running.tokensKnown());
        QVERIFY(!running.finished());
        QVERIFY(!running.succeeded().has_value());

        const AgentOutputParser p = parsed(Agent::Claude, out);
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(true));
        compareUsage(p.usage(), tokens(200, 40, 0, 0, 0.0012));
        QCOMPARE(p.usage().totalTokens(), qint64(240));
        QVERIFY2(p.result().startsWith(u"DONE: hello-partial"_s), qPrintable(p.result()));
        QCOMPARE(p.error(), QString());
        QCOMPARE(p.sessionId(), u"c145ec24-883d-4b3c-8de2-4c2ffdaae5fd"_s);
        QVERIFY(hasEvent(p, AgentEvent::Kind::Tool, u"Bash: echo hello-partial"_s));
        QCOMPARE(p.skippedLines(), qint64(0));
    }

    void claudeStopsAtItsTurnLimit()
    {
        // Without partial messages a message's usage is what its assistant event says (1 output
        // token, sent before the rest); the result has the real totals.
        const QByteArray out = sample(u"claude-max-turns.jsonl"_s);
        AgentOutputParser running(Agent::Claude);
        running.feed(withoutLastLine(out));
        compareUsage(running.usage(), tokens(100, 1));

        const AgentOutputParser p = parsed(Agent::Claude, out);
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QCOMPARE(p.error(), u"Reached maximum number of turns (1)"_s);
        compareUsage(p.usage(), tokens(100, 20, 0, 0, 0.0006));
        QVERIFY(hasEvent(p, AgentEvent::Kind::Error, u"Reached maximum number of turns (1)"_s));
    }

    void claudeStopsAtItsBudget()
    {
        // Its result's `usage` is all zeros here; the tokens are in modelUsage.
        const AgentOutputParser p = parsed(Agent::Claude, sample(u"claude-max-budget.jsonl"_s));
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QCOMPARE(p.error(), u"Reached maximum budget ($0.0001)"_s);
        compareUsage(p.usage(), tokens(100, 20, 0, 0, 0.0006));
    }

    void claudeApiErrorIsAFailureThoughItsSubtypeIsSuccess()
    {
        const AgentOutputParser p = parsed(Agent::Claude, sample(u"claude-api-error.jsonl"_s));
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QCOMPARE(p.error(), u"Invalid API key · Fix external API key"_s);
        QCOMPARE(p.result(), u"Invalid API key · Fix external API key"_s);
        QCOMPARE(countOf(p, AgentEvent::Kind::Retry), 10);
        compareUsage(p.usage(), tokens(0, 0, 0, 0, 0.0));
    }

    void claudeCountsEachMessageOnce()
    {
        // Written after Claude Code's documented rules: every content block of a message repeats its
        // id and usage; message_delta updates its output count; the cache counts stand apart.
        const QByteArray out = R"({"type":"system","subtype":"init","session_id":"s1"}
{"type":"assistant","message":{"id":"m1","content":[{"type":"text","text":"Looking"}],"usage":{"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":50,"output_tokens":1}}}
{"type":"assistant","message":{"id":"m1","content":[{"type":"tool_use","name":"Read","input":{}}],"usage":{"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":50,"output_tokens":1}}}
{"type":"assistant","message":{"id":"m1","content":[{"type":"tool_use","name":"Bash","input":{"command":"make"}}],"usage":{"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":50,"output_tokens":1}}}
{"type":"stream_event","api_message_id":"m1","event":{"type":"message_delta","usage":{"output_tokens":30}}}
{"type":"assistant","message":{"id":"m2","content":[{"type":"text","text":"Done"}],"usage":{"input_tokens":5,"cache_read_input_tokens":1100,"output_tokens":7}}}
)";
        const AgentOutputParser p = parsed(Agent::Claude, out);
        compareUsage(p.usage(), tokens(15, 37, 2100, 50));
        QCOMPARE(p.sessionId(), u"s1"_s);
        QCOMPARE(countOf(p, AgentEvent::Kind::Tool), 2);
        QVERIFY(hasEvent(p, AgentEvent::Kind::Tool, u"Bash: make"_s));
        QVERIFY(!p.finished());
        QVERIFY(!p.succeeded().has_value());
        QVERIFY(!p.error().isEmpty()); // it ended without its result
    }

    void claudeEndedWithoutItsResult()
    {
        const AgentOutputParser p = parsed(Agent::Claude, withoutLastLine(sample(u"claude-stream.jsonl"_s)));
        QVERIFY(!p.finished());
        QVERIFY(!p.succeeded().has_value());
        QCOMPARE(p.error(), u"Claude Code ended without reporting how its run went"_s);
        compareUsage(p.usage(), tokens(200, 40)); // what it used is still known
    }

    // ---- Codex ----

    void codexSucceeds()
    {
        const QByteArray out = sample(u"codex-exec.jsonl"_s);
        AgentOutputParser running(Agent::Codex);
        running.feed(withoutLastLine(out));
        compareUsage(running.usage(), tokens(0, 0)); // Codex tells its tokens at the turn's end
        QVERIFY(!running.tokensKnown());

        const AgentOutputParser p = parsed(Agent::Codex, out);
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(true));
        compareUsage(p.usage(), tokens(200, 40)); // two requests; no cost: Codex reports none
        QVERIFY(p.tokensKnown());
        QVERIFY2(p.result().startsWith(u"DONE: "_s) && p.result().endsWith(u"hello-from-codex"_s),
                 qPrintable(p.result()));
        QCOMPARE(p.sessionId(), u"01a25181-c769-7f63-bee3-8b43b7e83ea1"_s);
        QCOMPARE(p.error(), QString());
        QVERIFY(hasEvent(p, AgentEvent::Kind::Tool, u"shell: /bin/bash -lc 'echo hello-from-codex'"_s));
        QCOMPARE(countOf(p, AgentEvent::Kind::Warning), 1); // its model metadata warning
    }

    void codexTurnFails()
    {
        const AgentOutputParser p = parsed(Agent::Codex, sample(u"codex-failed.jsonl"_s));
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QVERIFY2(p.error().startsWith(u"unexpected status 401 Unauthorized"_s), qPrintable(p.error()));
        QCOMPARE(countOf(p, AgentEvent::Kind::Retry), 5);
        compareUsage(p.usage(), tokens(0, 0));
    }

    void codexErrorWithoutAFailedTurnIsAFailure()
    {
        // Cut before turn.failed: the errors it printed still say it failed.
        const QByteArray out = withoutLastLine(sample(u"codex-failed.jsonl"_s));
        const AgentOutputParser p = parsed(Agent::Codex, out);
        QVERIFY(!p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QVERIFY2(p.error().startsWith(u"unexpected status 401"_s), qPrintable(p.error()));
    }

    void codexTotalsAreRunningTotals()
    {
        // Written after Codex's source (exec's JSON output reports the thread's total usage at each
        // turn's end): two turns are not added up. Its input count includes the cached part.
        const QByteArray out = R"({"type":"thread.started","thread_id":"t1"}
{"type":"turn.started"}
{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":800,"output_tokens":50,"reasoning_output_tokens":20}}
{"type":"turn.started"}
{"type":"turn.completed","usage":{"input_tokens":2500,"cached_input_tokens":2000,"cache_write_input_tokens":100,"output_tokens":120}}
)";
        const AgentOutputParser p = parsed(Agent::Codex, out);
        compareUsage(p.usage(), tokens(400, 120, 2000, 100));
        QCOMPARE(p.succeeded(), std::optional<bool>(true));
    }

    // ---- opencode ----

    void opencodeSucceeds()
    {
        const QByteArray out = sample(u"opencode-run.jsonl"_s);
        // After its first step (a tool call): that step's tokens and cost, not finished.
        AgentOutputParser running(Agent::Opencode);
        const qsizetype firstStep = out.indexOf("\"type\":\"step_finish\"");
        running.feed(QByteArrayView(out).first(out.indexOf('\n', firstStep) + 1));
        compareUsage(running.usage(), tokens(100, 20, 0, 0, 0.0006));
        QVERIFY(!running.finished());

        const AgentOutputParser p = parsed(Agent::Opencode, out);
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(true));
        compareUsage(p.usage(), tokens(200, 40, 0, 0, 0.0012));
        QCOMPARE(p.result(), u"DONE: hello-from-opencode"_s);
        QCOMPARE(p.sessionId(), u"ses_dae7dc971ffepPj2zsvbIBkvLH"_s);
        QVERIFY(hasEvent(p, AgentEvent::Kind::Tool, u"bash: echo hello-from-opencode"_s));
    }

    void opencodeError()
    {
        const AgentOutputParser p = parsed(Agent::Opencode, sample(u"opencode-error.jsonl"_s));
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QCOMPARE(p.error(), u"invalid x-api-key"_s);
        QCOMPARE(p.sessionId(), u"ses_dae7d9fadffeXFVf6Hl4XW4Gty"_s);
    }

    void opencodeStepsAddUp()
    {
        // Written after opencode's step-finish part: its input without the cache, reasoning apart.
        const QByteArray out = R"({"type":"step_start","sessionID":"s","part":{}}
{"type":"step_finish","sessionID":"s","part":{"reason":"tool-calls","tokens":{"input":10,"output":5,"reasoning":7,"cache":{"read":300,"write":40}},"cost":0.25}}
{"type":"step_start","sessionID":"s","part":{}}
{"type":"text","sessionID":"s","part":{"text":"first"}}
{"type":"text","sessionID":"s","part":{"text":"second"}}
{"type":"step_finish","sessionID":"s","part":{"reason":"length","tokens":{"input":1,"output":2,"reasoning":0,"cache":{"read":340,"write":0}},"cost":0.5}}
)";
        const AgentOutputParser p = parsed(Agent::Opencode, out);
        compareUsage(p.usage(), tokens(11, 14, 640, 40, 0.75));
        QCOMPARE(p.result(), u"first\nsecond"_s);
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false)); // cut off at the output limit
        QCOMPARE(p.error(), u"opencode's model stopped early (length)"_s);
    }

    // ---- Copilot CLI ----

    void copilotSucceeds()
    {
        AgentOutputParser p = parsed(Agent::Copilot, sample(u"copilot-prompt.jsonl"_s));
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(true));
        QCOMPARE(p.result(), u"DONE: hello-from-copilot <shellId: 0 completed with exit code 0>"_s);
        QCOMPARE(p.sessionId(), u"ab783c40-94b6-4f57-8854-44220e3c309b"_s);
        QVERIFY(hasEvent(p, AgentEvent::Kind::Tool, u"bash: echo hello-from-copilot"_s));
        compareUsage(p.usage(), tokens(0, 0)); // its stream has no tokens…
        QVERIFY(!p.tokensKnown());
        QVERIFY(p.readUsageReport(sample(u"copilot-usage.json"_s)));
        compareUsage(p.usage(), tokens(200, 40)); // …its report has; its `cost` is not dollars
        QVERIFY(p.tokensKnown());
    }

    void copilotError()
    {
        const AgentOutputParser p = parsed(Agent::Copilot, sample(u"copilot-error.jsonl"_s));
        QVERIFY(p.finished());
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QVERIFY2(p.error().startsWith(u"Authentication failed with provider"_s), qPrintable(p.error()));
        QCOMPARE(countOf(p, AgentEvent::Kind::Retry), 2);
    }

    void copilotUsageReportThatIsNot()
    {
        AgentOutputParser p(Agent::Copilot);
        const auto garbage = p.readUsageReport("not json");
        QVERIFY(!garbage);
        QCOMPARE(garbage.error().code, Error::Code::Parse);
        QCOMPARE(garbage.error().where, QString(QLatin1StringView(AgentOutput::CopilotUsageFile)));
        const auto empty = p.readUsageReport("{}");
        QVERIFY(!empty);
        QCOMPARE(empty.error().code, Error::Code::Invalid);
        // Copilot's input count includes the cache, as OpenAI's does.
        QVERIFY(p.readUsageReport(R"({"modelMetrics":{"a":{"usage":{"inputTokens":1000,"outputTokens":10,
            "cacheReadTokens":900}},"b":{"usage":{"inputTokens":5,"outputTokens":1}}}})"));
        compareUsage(p.usage(), tokens(105, 11, 900, 0));
    }

    // ---- every format ----

    void sameAnswerHoweverItArrives_data()
    {
        QTest::addColumn<Agent>("agent");
        QTest::addColumn<QString>("name");
        for (const auto &[agent, name] : Samples)
            QTest::newRow(qPrintable(name)) << agent << name;
    }

    void sameAnswerHoweverItArrives()
    {
        QFETCH(Agent, agent);
        QFETCH(QString, name);
        const QByteArray out = sample(name);
        const AgentOutputParser whole = parsed(agent, out);
        compareState(parsed(agent, out, 1), whole);
        compareState(parsed(agent, out, 7), whole);
        compareState(parsed(agent, QByteArray(out).replace("\n", "\r\n"), 13), whole);
        // Without its last newline: finish() reads the last line.
        compareState(parsed(agent, out.trimmed()), whole);
    }

    void linesThatAreNotEventsAreSkipped_data() { sameAnswerHoweverItArrives_data(); }

    void linesThatAreNotEventsAreSkipped()
    {
        QFETCH(Agent, agent);
        QFETCH(QString, name);
        const QByteArray out = sample(name);
        const QList<QByteArray> noise{"WARNING: proceeding, even though we could not create PATH aliases",
                                      "{not json",
                                      "[1, 2, 3]",
                                      "\"a string\"",
                                      "{\"type\": 42, \"message\": [], \"usage\": \"lots\"}",
                                      QByteArray("\x00\xff\xfe binary", 10),
                                      "{\"type\":\"unknown.event\"}",
                                      "",
                                      "   "};
        QByteArray noisy = noise.join('\n') + '\n';
        qsizetype i = 0;
        for (const QByteArray &line : out.split('\n'))
            noisy += noise.at(i++ % noise.size()) + '\n' + line + '\n';
        const AgentOutputParser p = parsed(agent, noisy, 5);
        compareState(p, parsed(agent, out));
        QVERIFY2(p.skippedLines() >= 5, qPrintable(QString::number(p.skippedLines())));
    }

    void aLineTooLongIsSkipped()
    {
        // A final event hidden in 16 MiB of text (a tool's output, say) is not kept in memory and not
        // believed; the lines after it are read as ever.
        QByteArray huge = "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"";
        huge += QByteArray(AgentOutputParser::MaxLineBytes, 'x') + "\"}\n";
        AgentOutputParser p(Agent::Claude);
        for (qsizetype at = 0; at < huge.size(); at += 1 << 20)
            p.feed(QByteArrayView(huge).sliced(at, std::min<qsizetype>(1 << 20, huge.size() - at)));
        QVERIFY(!p.finished());
        QCOMPARE(p.skippedLines(), qint64(1));
        QCOMPARE(countOf(p, AgentEvent::Kind::Warning), 1);
        p.feed(sample(u"claude-max-turns.jsonl"_s));
        p.finish();
        QCOMPARE(p.succeeded(), std::optional<bool>(false));
        QCOMPARE(p.error(), u"Reached maximum number of turns (1)"_s);
        // One exactly at the limit is kept.
        AgentOutputParser q(Agent::Opencode);
        QByteArray fits = "{\"type\":\"text\",\"part\":{\"text\":\"";
        const qsizetype text = AgentOutputParser::MaxLineBytes - fits.size() - 3;
        fits += QByteArray(text, 'y') + "\"}}";
        QCOMPARE(fits.size(), AgentOutputParser::MaxLineBytes);
        q.feed(QByteArray(fits + '\n'));
        QCOMPARE(q.skippedLines(), qint64(0));
        QCOMPARE(q.result().size(), text);
    }

    void missingAndWrongFields_data()
    {
        QTest::addColumn<Agent>("agent");
        QTest::addColumn<QByteArray>("out");
        QTest::addColumn<bool>("finished");
        QTest::addColumn<std::optional<bool>>("succeeded");
        QTest::addColumn<QString>("error");
        QTest::addColumn<qint64>("totalTokens");
        QTest::newRow("claude: a bare result")
            << Agent::Claude << QByteArray(R"({"type":"result"})") << true << std::optional<bool>(false)
            << u"Claude Code reported an error"_s << qint64(0);
        QTest::newRow("claude: success, wrong types")
            << Agent::Claude
            << QByteArray(
                   R"({"type":"result","subtype":"success","is_error":false,"result":7,"total_cost_usd":"1",)"
                   R"("usage":{"input_tokens":-5,"output_tokens":"9","cache_read_input_tokens":1e300},"modelUsage":[]})")
            << true << std::optional<bool>(true) << QString() << (qint64(1) << 50);
        QTest::newRow("claude: assistant without a message")
            << Agent::Claude << QByteArray(R"({"type":"assistant","message":null})") << false
            << std::optional<bool>() << u"Claude Code ended without reporting how its run went"_s
            << qint64(0);
        QTest::newRow("codex: a bare turn.completed")
            << Agent::Codex << QByteArray(R"({"type":"turn.completed"})") << true << std::optional<bool>(true)
            << QString() << qint64(0);
        QTest::newRow("codex: a bare turn.failed")
            << Agent::Codex << QByteArray(R"({"type":"turn.failed","error":"x"})") << true
            << std::optional<bool>(false) << u"Codex reported that its turn failed"_s << qint64(0);
        QTest::newRow("codex: more cached than input")
            << Agent::Codex
            << QByteArray(R"({"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":9}})")
            << true << std::optional<bool>(true) << QString() << qint64(9);
        QTest::newRow("opencode: a bare step_finish")
            << Agent::Opencode << QByteArray(R"({"type":"step_finish"})") << true << std::optional<bool>(true)
            << QString() << qint64(0);
        QTest::newRow("opencode: a bare error")
            << Agent::Opencode << QByteArray(R"({"type":"error"})") << true << std::optional<bool>(false)
            << u"opencode reported an error"_s << qint64(0);
        QTest::newRow("copilot: a bare result")
            << Agent::Copilot << QByteArray(R"({"type":"result"})") << true << std::optional<bool>(false)
            << u"Copilot CLI ended without an exit code"_s << qint64(0);
        QTest::newRow("copilot: exit code 2")
            << Agent::Copilot << QByteArray(R"({"type":"result","exitCode":2})") << true
            << std::optional<bool>(false) << u"Copilot CLI ended with exit code 2"_s << qint64(0);
        QTest::newRow("shell: nothing is read") << Agent::Shell << QByteArray(R"({"type":"result"})") << false
                                                << std::optional<bool>() << QString() << qint64(0);
    }

    void missingAndWrongFields()
    {
        QFETCH(Agent, agent);
        QFETCH(QByteArray, out);
        QFETCH(bool, finished);
        QFETCH(std::optional<bool>, succeeded);
        QFETCH(QString, error);
        QFETCH(qint64, totalTokens);
        const AgentOutputParser p = parsed(agent, out);
        QCOMPARE(p.finished(), finished);
        QCOMPARE(p.succeeded(), succeeded);
        QCOMPARE(p.error(), error);
        QCOMPARE(p.usage().totalTokens(), totalTokens);
        QVERIFY(!p.usage().costUsd.has_value());
    }

    void eventsKeepTheLatest()
    {
        AgentOutputParser p(Agent::Copilot);
        for (int i = 0; i < 300; ++i)
            p.feed(QByteArray("{\"type\":\"tool.execution_start\",\"data\":{\"toolName\":\"t" +
                              QByteArray::number(i) + "\"}}\n"));
        QCOMPARE(p.events().size(), AgentOutputParser::MaxEvents);
        QCOMPARE(p.events().last().text, u"t299"_s);
        QCOMPARE(p.events().first().text, u"t44"_s);
    }

    // ---- the command lines ----

    void headlessCommand_data()
    {
        QTest::addColumn<Agent>("agent");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("effort");
        QTest::addColumn<double>("maxCost");
        QTest::addColumn<QStringList>("expected");
        const QString prompt = u"-x a prompt\nthat starts with a dash"_s;
        QTest::newRow("claude") << Agent::Claude << QString() << QString() << 0.0
                                << QStringList{
                                       u"claude"_s,      u"-p"_s,        u"--output-format"_s,
                                       u"stream-json"_s, u"--verbose"_s, u"--include-partial-messages"_s,
                                       u"--"_s,          prompt};
        QTest::newRow("claude, all") << Agent::Claude << u"claude-sonnet-4-5"_s << u"xhigh"_s << 2.5
                                     << QStringList{u"claude"_s,
                                                    u"-p"_s,
                                                    u"--output-format"_s,
                                                    u"stream-json"_s,
                                                    u"--verbose"_s,
                                                    u"--include-partial-messages"_s,
                                                    u"--model"_s,
                                                    u"claude-sonnet-4-5"_s,
                                                    u"--effort"_s,
                                                    u"xhigh"_s,
                                                    u"--max-budget-usd"_s,
                                                    u"2.500000"_s,
                                                    u"--"_s,
                                                    prompt};
        QTest::newRow("claude, minimal effort") << Agent::Claude << QString() << u"minimal"_s << 0.0
                                                << QStringList{u"claude"_s,
                                                               u"-p"_s,
                                                               u"--output-format"_s,
                                                               u"stream-json"_s,
                                                               u"--verbose"_s,
                                                               u"--include-partial-messages"_s,
                                                               u"--effort"_s,
                                                               u"low"_s,
                                                               u"--"_s,
                                                               prompt};
        QTest::newRow("codex") << Agent::Codex << u"gpt-5.1-codex"_s << u"high"_s << 3.0
                               << QStringList{u"codex"_s,
                                              u"exec"_s,
                                              u"--json"_s,
                                              u"--skip-git-repo-check"_s,
                                              u"--dangerously-bypass-approvals-and-sandbox"_s,
                                              u"--model"_s,
                                              u"gpt-5.1-codex"_s,
                                              u"-c"_s,
                                              u"model_reasoning_effort=\"high\""_s,
                                              u"--"_s,
                                              prompt};
        QTest::newRow("opencode") << Agent::Opencode << u"anthropic/claude-sonnet-4-5"_s << QString() << 0.0
                                  << QStringList{u"opencode"_s,
                                                 u"run"_s,
                                                 u"--format"_s,
                                                 u"json"_s,
                                                 u"--auto"_s,
                                                 u"--model"_s,
                                                 u"anthropic/claude-sonnet-4-5"_s,
                                                 u"--"_s,
                                                 prompt};
        QTest::newRow("copilot") << Agent::Copilot << u"gpt-4.1"_s << u"max"_s << 0.0
                                 << QStringList{u"copilot"_s,
                                                u"--output-format"_s,
                                                u"json"_s,
                                                u"--allow-all"_s,
                                                u"--no-ask-user"_s,
                                                u"--no-auto-update"_s,
                                                u"--usage-output-file"_s,
                                                u"/tmp/paddock-copilot-usage.json"_s,
                                                u"--model"_s,
                                                u"gpt-4.1"_s,
                                                u"--reasoning-effort"_s,
                                                u"max"_s,
                                                u"--prompt="_s + prompt};
    }

    void headlessCommand()
    {
        QFETCH(Agent, agent);
        QFETCH(QString, model);
        QFETCH(QString, effort);
        QFETCH(double, maxCost);
        QFETCH(QStringList, expected);
        const auto argv = AgentOutput::headlessCommand(
            {agent, u"-x a prompt\nthat starts with a dash"_s, model, effort, maxCost});
        QVERIFY2(argv, argv ? "" : qPrintable(argv.error().text()));
        QCOMPARE(*argv, expected);
    }

    void headlessCommandRefuses_data()
    {
        QTest::addColumn<Agent>("agent");
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("effort");
        QTest::addColumn<double>("maxCost");
        QTest::addColumn<QString>("where");
        const QString ok = u"Fix the build."_s;
        QTest::newRow("shell") << Agent::Shell << ok << QString() << QString() << 0.0 << QString();
        QTest::newRow("custom") << Agent::Custom << ok << QString() << QString() << 0.0 << QString();
        QTest::newRow("empty prompt")
            << Agent::Claude << u" \n "_s << QString() << QString() << 0.0 << u"prompt"_s;
        QTest::newRow("NUL in the prompt")
            << Agent::Codex << u"a\0b"_s << QString() << QString() << 0.0 << u"prompt"_s;
        QTest::newRow("prompt too long") << Agent::Copilot << QString(AgentOutput::MaxArgumentBytes - 9, u'a')
                                         << QString() << QString() << 0.0 << u"prompt"_s;
        QTest::newRow("model as an option")
            << Agent::Claude << ok << u"--dangerously-skip-permissions"_s << QString() << 0.0 << u"model"_s;
        QTest::newRow("model with a space")
            << Agent::Codex << ok << u"gpt 5"_s << QString() << 0.0 << u"model"_s;
        QTest::newRow("effort for opencode")
            << Agent::Opencode << ok << QString() << u"high"_s << 0.0 << u"effort"_s;
        QTest::newRow("unknown effort")
            << Agent::Claude << ok << QString() << u"ultra"_s << 0.0 << u"effort"_s;
        QTest::newRow("negative cost")
            << Agent::Claude << ok << QString() << QString() << -1.0 << u"maxCostUsd"_s;
        QTest::newRow("NaN cost") << Agent::Claude << ok << QString() << QString() << std::nan("")
                                  << u"maxCostUsd"_s;
    }

    void headlessCommandRefuses()
    {
        QFETCH(Agent, agent);
        QFETCH(QString, prompt);
        QFETCH(QString, model);
        QFETCH(QString, effort);
        QFETCH(double, maxCost);
        QFETCH(QString, where);
        const auto argv = AgentOutput::headlessCommand({agent, prompt, model, effort, maxCost});
        QVERIFY(!argv);
        QCOMPARE(argv.error().code, Error::Code::Invalid);
        QCOMPARE(argv.error().where, where);
        QVERIFY(!argv.error().message.isEmpty());
    }

    void aPromptJustUnderTheLimitIsOneArgument()
    {
        const QString prompt(AgentOutput::MaxArgumentBytes - 10, u'a');
        const auto argv = AgentOutput::headlessCommand({Agent::Copilot, prompt, {}, {}, 0});
        QVERIFY(argv);
        QVERIFY(argv->last().toUtf8().size() < AgentOutput::MaxArgumentBytes);
    }
};

QTEST_APPLESS_MAIN(TestAgentOutput)
#include "test_agent_output.moc"
