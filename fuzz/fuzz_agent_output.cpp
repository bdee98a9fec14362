// libFuzzer target: what an agent prints is not Paddock's to trust (a prompt, a tool's output or a
// compromised model steers it). Properties, for each agent's format: the parser never crashes; it
// gives the same answer however the output is cut into pieces; its counts are never negative, its
// cost (when any) a finite number of dollars not below zero, its events bounded; a usage report is
// read or refused, never a crash; a prompt is one argument of the command line, exactly as given.
#include "agents/AgentOutput.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

using namespace paddock;

namespace {

using Agent = Persona::Agent::Kind;

bool sane(const AgentOutputParser &p)
{
    const AgentUsage &u = p.usage();
    if (u.inputTokens < 0 || u.outputTokens < 0 || u.cacheReadTokens < 0 || u.cacheWriteTokens < 0 ||
        u.totalTokens() < 0)
        return false;
    if (u.costUsd && (!std::isfinite(*u.costUsd) || *u.costUsd < 0))
        return false;
    if (p.events().size() > AgentOutputParser::MaxEvents)
        return false;
    for (const AgentEvent &e : p.events())
        if (e.text.size() > AgentOutputParser::MaxEventText)
            return false;
    return !p.succeeded().value_or(false) || p.finished();
}

bool same(const AgentOutputParser &a, const AgentOutputParser &b)
{
    return a.usage() == b.usage() && a.tokensKnown() == b.tokensKnown() && a.finished() == b.finished() &&
           a.succeeded() == b.succeeded() && a.result() == b.result() && a.error() == b.error() &&
           a.sessionId() == b.sessionId() && a.events() == b.events() && a.skippedLines() == b.skippedLines();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static constexpr Agent agents[] = {Agent::Claude, Agent::Codex, Agent::Opencode, Agent::Copilot};
    const Agent agent = agents[data[0] % 4];
    const qsizetype step = 1 + data[0] / 4 % 29;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    AgentOutputParser whole(agent);
    whole.feed(input);
    whole.finish();
    AgentOutputParser parts(agent);
    for (qsizetype at = 0; at < input.size(); at += step)
        parts.feed(input.sliced(at, std::min(step, input.size() - at)));
    parts.finish();
    if (!same(whole, parts) || !sane(whole))
        __builtin_trap();

    if (agent == Agent::Copilot) {
        (void)parts.readUsageReport(input);
        if (!sane(parts))
            __builtin_trap();
    }

    const QString prompt = QString::fromUtf8(input);
    const auto argv = AgentOutput::headlessCommand({agent, prompt, {}, {}, 0});
    if (argv) {
        const QString last = argv->last();
        if (last != prompt && last != QStringLiteral("--prompt=") + prompt)
            __builtin_trap();
        if (last.toUtf8().size() >= AgentOutput::MaxArgumentBytes)
            __builtin_trap();
    }
    return 0;
}
