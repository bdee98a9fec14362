#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace paddock {

// An overnight job: an agent run unattended on a schedule, in a fresh container of its persona on
// a fresh copy of a repository's base branch. What jobs.json holds for each (JobStore).
struct Job
{
    enum class Overlap {
        Forbid,  // the new run is recorded "skipped: still running" (the default)
        Allow,   // both run
        Replace, // the running one is cancelled
    };
    enum class CatchUp {
        Skip,   // slots missed while nothing ran are recorded "missed" and not run
        Latest, // one run for everything missed (the default)
        All,    // each missed slot, up to catchUpLimit, starts staggered
    };

    QString name; // [a-z][a-z0-9-]{0,30}
    QString persona;
    QString repository; // a git repository on the host
    QString baseBranch = QStringLiteral("main");
    QString agent;  // empty: the persona's; else claude, codex, opencode, copilot
    QString model;  // empty: the persona's (or the agent's own default)
    QString effort; // empty: the persona's
    QString prompt;      // what the agent is asked, or
    QStringList command; // a command run instead of an agent (exactly one of the two)
    QString schedule;    // CronExpression's text
    QString timeZone;    // IANA; the system's when the job was made
    int timeoutMinutes = 60; // the whole run, the container's setup included
    // Budget: 0 is "no limit". At the soft limit a warning; at the hard one the run is stopped.
    qint64 softTokens = 0;
    qint64 hardTokens = 0;
    double softCostUsd = 0;
    double hardCostUsd = 0;
    Overlap overlap = Overlap::Forbid;
    CatchUp catchUp = CatchUp::Latest;
    int catchUpLimit = 5;          // for All: at most this many missed slots run
    int maxLatenessMinutes = 720;  // a slot later than this is missed, whatever catchUp says
    int retries = 2;               // transient failures (engine away), within the slot
    int failureThreshold = 5;      // consecutive failures that disable the job
    bool enabled = true;
    QString disabledReason; // why the breaker disabled it; cleared when enabled again

    bool operator==(const Job &) const = default;

    static QString overlapName(Overlap o);
    static std::optional<Overlap> overlapFromName(const QString &name);
    static QString catchUpName(CatchUp c);
    static std::optional<CatchUp> catchUpFromName(const QString &name);
    static QStringList agentNames(); // claude, codex, opencode, copilot
};

} // namespace paddock
