#include "AuditCommands.h"
#include "CommandLine.h"
#include "Console.h"

#include "audit/AuditReader.h"
#include "audit/AuditStore.h"
#include "audit/AuditVerifier.h"
#include "engine/TerminationSignals.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTextStream>
#include <QTimer>

#include <unistd.h>

using namespace paddock;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

int failWith(const QString &command, const Error &error, int code = 2)
{
    err() << QStringLiteral("paddockctl audit %1: %2").arg(command, error.text()) << Qt::endl;
    return code;
}

QCommandLineOption databaseOption()
{
    return QCommandLineOption(
        QStringLiteral("database"),
        Text::tr("The audit log to read (default: %1).").arg(AuditStore::defaultDatabasePath()),
        Text::tr("FILE"));
}

QString databasePath(const QCommandLineParser &parser)
{
    return parser.isSet(QStringLiteral("database")) ? parser.value(QStringLiteral("database"))
                                                    : AuditStore::defaultDatabasePath();
}

// "2026-12-01", "2026-12-01T07:00:00Z", or a span back from now: "30m", "24h", "7d".
std::optional<qint64> parseTime(const QString &text)
{
    static const QRegularExpression span(QStringLiteral("^(\\d+)([smhd])\\z"));
    if (const auto m = span.match(text); m.hasMatch()) {
        const qint64 n = m.captured(1).toLongLong();
        const QChar unit = m.captured(2).at(0);
        const qint64 seconds = unit == u's' ? n : unit == u'm' ? n * 60 : unit == u'h' ? n * 3600 : n * 86400;
        return QDateTime::currentMSecsSinceEpoch() * 1000 - seconds * 1000000;
    }
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (d.isValid())
            t = d.startOfDay(QTimeZone::UTC);
    }
    if (!t.isValid())
        return std::nullopt;
    if (t.timeSpec() == Qt::LocalTime && !text.contains(u'T'))
        t.setTimeZone(QTimeZone::UTC);
    return t.toMSecsSinceEpoch() * 1000;
}

struct FilterOptions
{
    QCommandLineOption persona{QStringLiteral("persona"), Text::tr("Only events of this persona or job."),
                               Text::tr("NAME")};
    QCommandLineOption decision{
        QStringLiteral("decision"),
        Text::tr("Only these decisions: allow, deny, would-deny, info (comma-separated)."), Text::tr("LIST")};
    QCommandLineOption source{
        QStringLiteral("source"),
        Text::tr("Only events from this source: system, user, policy, proxy, git, runtime, "
                 "scheduler."),
        Text::tr("SOURCE")};
    QCommandLineOption text{QStringLiteral("text"),
                            Text::tr("Only events whose resource, action or details contain TEXT."),
                            Text::tr("TEXT")};
    QCommandLineOption since{
        QStringLiteral("since"),
        Text::tr("Only events at or after TIME (2026-12-01, 2026-12-01T07:00:00Z, or 30m, 24h, "
                 "7d back from now)."),
        Text::tr("TIME")};
    QCommandLineOption until{QStringLiteral("until"), Text::tr("Only events before TIME."), Text::tr("TIME")};

    void addTo(QCommandLineParser &parser, bool withTimes)
    {
        parser.addOptions({persona, decision, source, text});
        if (withTimes)
            parser.addOptions({since, until});
    }

    // The filter, or an error naming the bad option.
    Result<AuditFilter> read(const QCommandLineParser &parser) const
    {
        AuditFilter f;
        f.persona = parser.value(persona);
        f.text = parser.value(text);
        if (parser.isSet(source)) {
            f.source = AuditEvent::sourceFromName(parser.value(source));
            if (!f.source)
                return paddock::fail(
                    Error::Code::Invalid,
                    Text::tr("--source: unknown source \"%1\"").arg(parser.value(source)), {},
                    Text::tr("Use one of system, user, policy, proxy, git, runtime, scheduler."));
        }
        if (parser.isSet(decision)) {
            for (const QString &name : parser.value(decision).split(u',', Qt::SkipEmptyParts)) {
                const auto d = AuditEvent::decisionFromName(name.trimmed());
                if (!d)
                    return paddock::fail(Error::Code::Invalid,
                                         Text::tr("--decision: unknown decision \"%1\"").arg(name), {},
                                         Text::tr("Use allow, deny, would-deny or info."));
                f.decisions << *d;
            }
        }
        for (const auto *option : {&since, &until}) {
            if (!parser.isSet(*option))
                continue;
            const auto t = parseTime(parser.value(*option));
            if (!t)
                return paddock::fail(
                    Error::Code::Invalid,
                    Text::tr("--%1: \"%2\" is not a time")
                        .arg(option->names().first(), parser.value(*option)),
                    {},
                    Text::tr("Write a date (2026-12-01), a UTC time (2026-12-01T07:00:00Z), or a span "
                             "back from now (30m, 24h, 7d)."));
            (option == &since ? f.sinceUs : f.untilUs) = *t;
        }
        return f;
    }
};

QString line(const AuditEvent &e)
{
    QString text = e.time().toString(Qt::ISODateWithMs) + QStringLiteral("  #") + QString::number(e.seq) +
                   QStringLiteral("  ") + AuditEvent::sourceName(e.source).leftJustified(9) +
                   QStringLiteral(" ") + AuditEvent::decisionName(e.decision).toUpper().leftJustified(10) +
                   QStringLiteral(" ") +
                   (e.persona.isEmpty() ? QStringLiteral("-") : e.persona).leftJustified(10) +
                   QStringLiteral(" ") + e.action;
    if (!e.resource.isEmpty())
        text += QStringLiteral(" ") + e.resource;
    if (!e.policies.isEmpty())
        text += QStringLiteral("  [") + e.policies.join(QStringLiteral(", ")) + QLatin1Char(']');
    return text;
}

int verify(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Checks the audit log's hash chain and its head file. Exits 0 when the "
                 "log is intact, 1 when anything was modified, removed, reordered or "
                 "cut off, 2 when it cannot be read."));
    parser.addOption(databaseOption());
    const QCommandLineOption json(QStringLiteral("json"), Text::tr("Print the result as JSON."));
    parser.addOption(json);
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl audit verify"), args))
        return *done;
    const QString db = databasePath(parser);
    QElapsedTimer clock;
    clock.start();
    const bool interactive = isatty(STDERR_FILENO);
    auto result = AuditVerifier::verify(db, AuditStore::headPathFor(db), [&](qint64 done, qint64 total) {
        if (interactive && total > 0)
            err() << QStringLiteral("\r") << Text::tr("verifying… %1 %").arg(done * 100 / total) << Qt::flush;
        return true;
    });
    if (interactive)
        err() << QStringLiteral("\r\x1b[K") << Qt::flush;
    if (!result)
        return failWith(QStringLiteral("verify"), result.error());
    const AuditVerification &v = *result;
    const double seconds = std::max<double>(clock.nsecsElapsed(), 1) / 1e9;
    if (parser.isSet(json)) {
        QJsonArray findings;
        for (const auto &f : v.findings)
            findings.append(
                QJsonObject{{QStringLiteral("seq"), f.seq},
                            {QStringLiteral("problem"), AuditVerification::problemName(f.problem)},
                            {QStringLiteral("message"), f.message}});
        QJsonObject o{{QStringLiteral("ok"), v.ok()},
                      {QStringLiteral("checked"), v.checked},
                      {QStringLiteral("firstSeq"), v.firstSeq},
                      {QStringLiteral("lastSeq"), v.lastSeq},
                      {QStringLiteral("prunedThrough"), v.prunedThrough},
                      {QStringLiteral("headSeq"), v.headSeq},
                      {QStringLiteral("firstBadSeq"), v.firstBadSeq()},
                      {QStringLiteral("findings"), findings}};
        out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
    } else {
        out() << db << QStringLiteral(": ") << v.summary() << Qt::endl;
        for (const auto &f : v.findings)
            out() << QStringLiteral("  event %1: %2: %3")
                         .arg(f.seq)
                         .arg(AuditVerification::problemName(f.problem), f.message)
                  << Qt::endl;
        if (v.ok())
            out() << Text::tr("%1 events/s").arg(qint64(double(v.checked) / seconds)) << Qt::endl;
    }
    return v.ok() ? 0 : 1;
}

int tail(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Prints the newest audit events, and with --follow every new one as it "
                 "is written."));
    parser.addOption(databaseOption());
    FilterOptions filters;
    filters.addTo(parser, false);
    const QCommandLineOption follow({QStringLiteral("f"), QStringLiteral("follow")},
                                    Text::tr("Keep printing new events until interrupted."));
    const QCommandLineOption lines({QStringLiteral("n"), QStringLiteral("lines")},
                                   Text::tr("How many of the newest events to print first (default 20)."),
                                   Text::tr("N"), QStringLiteral("20"));
    const QCommandLineOption json(QStringLiteral("json"), Text::tr("One JSON object per line."));
    parser.addOptions({follow, lines, json});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl audit tail"), args))
        return *done;
    auto filter = filters.read(parser);
    if (!filter)
        return failWith(QStringLiteral("tail"), filter.error());
    bool numberOk = false;
    const int count = parser.value(lines).toInt(&numberOk);
    if (!numberOk || count < 0)
        return failWith(QStringLiteral("tail"),
                        Error{Error::Code::Invalid,
                              Text::tr("--lines: \"%1\" is not a count").arg(parser.value(lines)),
                              {},
                              Text::tr("Give a whole number, 0 or more.")});
    const QString db = databasePath(parser);
    auto reader = AuditReader::open(db);
    if (!reader)
        return failWith(QStringLiteral("tail"), reader.error());
    auto print = [&](const AuditEvent &e) {
        if (parser.isSet(json))
            out() << QString::fromUtf8(e.toJsonLine()) << '\n';
        else
            out() << line(e) << '\n';
    };
    qint64 position = 0;
    auto last = reader->lastSeq();
    if (!last)
        return failWith(QStringLiteral("tail"), last.error());
    position = *last;
    if (count > 0) {
        auto page = reader->page(*filter, 0, count);
        if (!page)
            return failWith(QStringLiteral("tail"), page.error());
        for (auto it = page->events.crbegin(); it != page->events.crend(); ++it)
            print(*it);
    }
    out() << Qt::flush;
    if (!parser.isSet(follow))
        return 0;

    // Follow: the log is a file another process appends to; read what is new a few times a second.
    int status = 0;
    TerminationSignals termination;
    QObject::connect(&termination, &TerminationSignals::received, qApp, [] { QCoreApplication::quit(); });
    QTimer poll;
    poll.setInterval(100);
    QObject::connect(&poll, &QTimer::timeout, qApp, [&] {
        for (;;) {
            auto batch = reader->after(position, {}, 5000);
            if (!batch) {
                status = failWith(QStringLiteral("tail"), batch.error());
                QCoreApplication::quit();
                return;
            }
            for (const AuditEvent &e : *batch)
                if (filter->matches(e))
                    print(e);
            if (!batch->isEmpty())
                position = batch->back().seq;
            if (batch->size() < 5000)
                break;
        }
        out() << Qt::flush;
    });
    poll.start();
    QCoreApplication::exec();
    return status;
}

int exportEvents(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Writes audit events, oldest first, as JSON Lines (one event per line, "
                 "with its hashes) or CSV."));
    parser.addOption(databaseOption());
    FilterOptions filters;
    filters.addTo(parser, true);
    const QCommandLineOption format(QStringLiteral("format"), Text::tr("jsonl (default) or csv."),
                                    Text::tr("FORMAT"), QStringLiteral("jsonl"));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")},
                                    Text::tr("Write to FILE instead of standard output."), Text::tr("FILE"));
    parser.addOptions({format, output});
    if (const auto done = parseCommand(parser, QStringLiteral("paddockctl audit export"), args))
        return *done;
    auto filter = filters.read(parser);
    if (!filter)
        return failWith(QStringLiteral("export"), filter.error());
    const QString formatName = parser.value(format);
    if (formatName != QLatin1StringView("jsonl") && formatName != QLatin1StringView("csv"))
        return failWith(QStringLiteral("export"),
                        Error{Error::Code::Invalid,
                              Text::tr("--format: unknown format \"%1\"").arg(formatName),
                              {},
                              Text::tr("Use jsonl or csv.")});
    auto reader = AuditReader::open(databasePath(parser));
    if (!reader)
        return failWith(QStringLiteral("export"), reader.error());
    const auto kind =
        formatName == QLatin1StringView("csv") ? AuditReader::Format::Csv : AuditReader::Format::JsonLines;
    if (parser.isSet(output)) {
        // Written beside and renamed into place: an interrupted export leaves no half file.
        QSaveFile file(parser.value(output));
        if (!file.open(QIODevice::WriteOnly))
            return failWith(QStringLiteral("export"),
                            Error{Error::Code::Io,
                                  Text::tr("cannot write: %1").arg(file.errorString()),
                                  file.fileName(),
                                  {}});
        auto written = reader->exportTo(file, *filter, kind);
        if (!written)
            return failWith(QStringLiteral("export"), written.error());
        if (!file.commit())
            return failWith(QStringLiteral("export"),
                            Error{Error::Code::Io,
                                  Text::tr("cannot write: %1").arg(file.errorString()),
                                  file.fileName(),
                                  {}});
        err() << Text::tr("paddockctl audit export: %n event(s) written to %1", nullptr, int(*written))
                     .arg(file.fileName())
              << Qt::endl;
        return 0;
    }
    QFile stdoutFile;
    if (!stdoutFile.open(stdout, QIODevice::WriteOnly))
        return failWith(QStringLiteral("export"), Error{Error::Code::Io, stdoutFile.errorString(), {}, {}});
    auto written = reader->exportTo(stdoutFile, *filter, kind);
    if (!written)
        return failWith(QStringLiteral("export"), written.error());
    return 0;
}

} // namespace

int runAuditCommand(const QStringList &arguments)
{
    return runCommandGroup(
        QStringLiteral("paddockctl audit"),
        Text::tr("The audit log: every decision and action, hash-chained."),
        {{QStringLiteral("verify"), Text::tr("Checks the log's hash chain and its head file."), verify},
         {QStringLiteral("tail"), Text::tr("Prints the newest events; with --follow every new one."), tail},
         {QStringLiteral("export"), Text::tr("Writes events as JSON Lines or CSV."), exportEvents}},
        arguments);
}
