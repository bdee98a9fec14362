#include "JobRunCommands.h"
#include "CommandLine.h"
#include "Console.h"

#include "scheduler/RunStore.h"
#include "scheduler/SchedulerService.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(paddockctl)
};

enum Exit { Ok = 0, Failed = 1, Usage = 2 };

QString local(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) : u"-"_s;
}

QString duration(const Run &run)
{
    if (!run.started.isValid() || !run.ended.isValid())
        return u"-"_s;
    const qint64 s = run.started.secsTo(run.ended);
    return s >= 3600 ? u"%1h%2m"_s.arg(s / 3600).arg((s % 3600) / 60, 2, 10, QChar(u'0'))
                     : u"%1m%2s"_s.arg(s / 60).arg(s % 60, 2, 10, QChar(u'0'));
}

QString costText(const Run &run)
{
    return run.costUsd ? u"$%1"_s.arg(*run.costUsd, 0, 'f', 4) : u"-"_s;
}

// One line for a run that ended (or an update of one under way).
QString summary(const Run &run)
{
    QString text = Text::tr("run %1 of %2: %3").arg(run.id).arg(run.job, Run::statusName(run.status));
    if (run.isFinal() && run.exitCode >= 0)
        text += Text::tr(" (exit code %1)").arg(run.exitCode);
    if (!run.reason.isEmpty())
        text += u": "_s + run.reason;
    return text;
}

} // namespace

int runJobNow(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("Asks the Paddock that runs the jobs (the app, or paddockctl serve) to run JOB now, and "
                 "follows the run until it ends. Exit codes: 0 the run succeeded (or was queued, with "
                 "--detach), 1 it did not, or no Paddock runs the jobs, 2 bad usage or refused."));
    parser.addPositionalArgument(u"JOB"_s, Text::tr("The job."));
    const QCommandLineOption detach(u"detach"_s, Text::tr("Return once the run is queued."));
    parser.addOption(detach);
    if (const auto done = parseCommand(parser, u"paddockctl job run"_s, arguments))
        return *done;
    if (parser.positionalArguments().size() != 1) {
        err() << Text::tr("paddockctl job run: name one job; see paddockctl job run --help") << Qt::endl;
        return Usage;
    }
    const QString job = parser.positionalArguments().first();
    QLocalSocket socket;
    socket.connectToServer(SchedulerService::socketPathFor(SchedulerService::defaultLockPath()));
    if (!socket.waitForConnected(3000)) {
        err() << Text::tr("paddockctl job run: no Paddock is running the jobs of this configuration (%1)")
                     .arg(socket.errorString())
              << Qt::endl
              << Text::tr("Start it: the app, or paddockctl serve (systemctl --user start paddock).") << Qt::endl;
        return Failed;
    }
    socket.write(QJsonDocument(QJsonObject{{u"type"_s, u"run-now"_s}, {u"job"_s, job}}).toJson(QJsonDocument::Compact) +
                 '\n');
    qint64 id = 0;
    for (;;) {
        while (!socket.canReadLine()) {
            if (socket.state() != QLocalSocket::ConnectedState && !socket.canReadLine()) {
                err() << Text::tr("paddockctl job run: the Paddock that runs the jobs went away") << Qt::endl;
                return Failed;
            }
            socket.waitForReadyRead(1000);
        }
        const QJsonObject m = QJsonDocument::fromJson(socket.readLine(1 << 20)).object();
        const QString type = m.value(u"type"_s).toString();
        if (type == u"error"_s && m.value(u"job"_s).toString() == job && id == 0) {
            err() << u"paddockctl job run: "_s << m.value(u"message"_s).toString() << Qt::endl;
            if (const QString hint = m.value(u"hint"_s).toString(); !hint.isEmpty())
                err() << hint << Qt::endl;
            return Usage;
        }
        if (type == u"queued"_s && m.value(u"job"_s).toString() == job && id == 0) {
            const Run run = Run::fromJson(m.value(u"run"_s).toObject());
            id = run.id;
            out() << Text::tr("run %1 of %2 is %3").arg(run.id).arg(job, Run::statusName(run.status)) << Qt::endl;
            if (parser.isSet(detach))
                return Ok;
            continue;
        }
        if (type != u"run"_s || id == 0)
            continue;
        const Run run = Run::fromJson(m.value(u"run"_s).toObject());
        if (run.id != id)
            continue;
        if (!run.isFinal()) {
            if (run.status == Run::Status::Running)
                out() << Text::tr("run %1 started at %2").arg(run.id).arg(local(run.started)) << Qt::endl;
            continue;
        }
        out() << summary(run) << Qt::endl;
        if (run.totalTokens() > 0 || run.costUsd)
            out() << Text::tr("tokens: %1 in, %2 out, %3 cached; cost: %4")
                         .arg(run.inputTokens)
                         .arg(run.outputTokens)
                         .arg(run.cacheTokens)
                         .arg(costText(run))
                  << Qt::endl;
        out() << Text::tr("log: %1").arg(RunStore::logPathIn(QFileInfo(RunStore::defaultPath()).path(), run.id))
              << Qt::endl;
        return run.status == Run::Status::Ok ? Ok : Failed;
    }
}

int jobHistory(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Text::tr("The runs of JOB (or of every job), newest first: when each was scheduled and when it "
                 "really started, how it ended and why, its tokens and cost."));
    parser.addPositionalArgument(u"JOB"_s, Text::tr("The job (none: every job)."), u"[JOB]"_s);
    const QCommandLineOption limit(u"limit"_s, Text::tr("At most N runs (default 20)."), u"N"_s, u"20"_s);
    const QCommandLineOption json(u"json"_s, Text::tr("One JSON array."));
    parser.addOptions({limit, json});
    if (const auto done = parseCommand(parser, u"paddockctl job history"_s, arguments))
        return *done;
    if (parser.positionalArguments().size() > 1) {
        err() << Text::tr("paddockctl job history: name one job at most") << Qt::endl;
        return Usage;
    }
    bool ok = false;
    const int n = parser.value(limit).toInt(&ok);
    if (!ok || n < 1 || n > 100000) {
        err() << Text::tr("paddockctl job history: --limit takes a number from 1 to 100000") << Qt::endl;
        return Usage;
    }
    const QString job = parser.positionalArguments().value(0);
    QList<Run> runs;
    if (QFileInfo::exists(RunStore::defaultPath())) {
        auto store = RunStore::openReadOnly(RunStore::defaultPath());
        if (!store) {
            err() << u"paddockctl job history: "_s << store.error().text() << Qt::endl;
            return Failed;
        }
        auto read = store->history(job, n);
        if (!read) {
            err() << u"paddockctl job history: "_s << read.error().text() << Qt::endl;
            return Failed;
        }
        runs = *read;
    }
    if (parser.isSet(json)) {
        QJsonArray array;
        for (const Run &run : std::as_const(runs))
            array.append(run.toJson());
        out() << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        return Ok;
    }
    if (runs.isEmpty()) {
        out() << (job.isEmpty() ? Text::tr("no runs yet") : Text::tr("no runs of %1 yet").arg(job)) << Qt::endl;
        return Ok;
    }
    out() << Text::tr("%1  %2  %3  %4  %5  %6  %7  %8")
                 .arg(u"ID"_s, -6)
                 .arg(Text::tr("JOB"), -16)
                 .arg(Text::tr("STATUS"), -11)
                 .arg(Text::tr("SCHEDULED"), -19)
                 .arg(Text::tr("STARTED"), -19)
                 .arg(Text::tr("TOOK"), -7)
                 .arg(Text::tr("TOKENS"), -8)
                 .arg(Text::tr("COST"))
          << Qt::endl;
    for (const Run &run : std::as_const(runs)) {
        out() << u"%1  %2  %3  %4  %5  %6  %7  %8"_s.arg(run.id, -6)
                     .arg(run.job.left(16), -16)
                     .arg(Run::statusName(run.status), -11)
                     .arg(local(run.scheduled), -19)
                     .arg(local(run.started), -19)
                     .arg(duration(run), -7)
                     .arg(run.totalTokens() ? QString::number(run.totalTokens()) : u"-"_s, -8)
                     .arg(costText(run))
              << Qt::endl;
        if (!run.reason.isEmpty())
            out() << u"        "_s << run.reason.left(200) << Qt::endl;
    }
    return Ok;
}
