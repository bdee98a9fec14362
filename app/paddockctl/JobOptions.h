#pragma once

#include "scheduler/Job.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <optional>

// The options `paddockctl job add` and `job edit` share, one for each setting of a job, and how
// they change a Job. A job's command is the words after "--", with --command.
class JobOptions final
{
public:
    // A command line split at the first "--": the options before it, the job's command after it.
    struct Arguments
    {
        QStringList options;
        QStringList command;
        bool dashes = false;
    };
    static Arguments split(const QStringList &arguments);

    // `adding`: the help names the defaults a new job gets.
    explicit JobOptions(bool adding);
    void addTo(QCommandLineParser &parser) const;

    // Those a new job cannot do without that are not given, as "--persona P".
    QStringList missing(const QCommandLineParser &parser) const;
    bool setsPersona(const QCommandLineParser &parser) const { return parser.isSet(m_persona); }

    // Sets the settings whose options are given; what is wrong when one is not acceptable (a
    // schedule's error with the expression and a caret line under the column). A command
    // replaces the prompt and clears the agent, model and effort; a prompt replaces a command.
    std::optional<QString> apply(const QCommandLineParser &parser, const Arguments &arguments,
                                 paddock::Job &job) const;

    // The reason a job disabled by hand without one shows.
    static QString disabledByYou();
    // The option that sets a field JobStore::validate names (empty for none).
    static QString optionFor(const QString &field);

private:
    QCommandLineOption m_persona, m_repository, m_schedule, m_prompt, m_command, m_tz, m_base, m_agent,
        m_model, m_effort, m_timeout, m_softTokens, m_hardTokens, m_softCost, m_hardCost, m_overlap,
        m_catchUp, m_catchUpLimit, m_maxLateness, m_retries, m_failureThreshold, m_disabled;
};
