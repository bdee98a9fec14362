// The Jobs page as a user meets it, on a real scheduler service (its SQLite history, jobs.json, lock
// and socket in a temporary folder) whose runs are a test's launcher: a new job through the dialog
// (a bad schedule underlined, then fixed, its next runs in its zone), Run now (running, then ok, in
// the list and on the timeline), the tooltip and the details with the log, Pause, Duplicate, the
// zoom, Delete with its confirmation, history with missed slots and the slots to come, a clock
// change shaded, a broken jobs.json; the timeline model's window search against a brute force;
// and the tray's jobs (running, an incident told once).
#include "TrayIcon.h"
#include "engine/Engine.h"
#include "jobs/JobEditDialog.h"
#include "jobs/JobListModel.h"
#include "jobs/JobNotifier.h"
#include "jobs/JobsPage.h"
#include "jobs/RunDetailsDialog.h"
#include "jobs/ScheduleEdit.h"
#include "jobs/TimelineModel.h"
#include "jobs/TimelineView.h"
#include "scheduler/CronSchedule.h"
#include "scheduler/JobStore.h"
#include "scheduler/RunStore.h"
#include "scheduler/SchedulerService.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFrame>
#include <QHelpEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QWheelEvent>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 Hour = 3600 * 1000;
constexpr qint64 Day = 24 * Hour;

// Runs each launch for `duration` ms, writes its log where the history says, and ends it with the outcome
// the test set for its job (ok by default), with tokens and a cost.
class TestLauncher final : public RunLauncher
{
public:
    TestLauncher(SchedulerService::Options::Finished finished, const RunStore &runs, const int *duration,
                 const QHash<QString, Run::Status> *outcomes)
        : m_finished(std::move(finished))
        , m_runs(runs)
        , m_duration(duration)
        , m_outcomes(outcomes)
    {}
    void launch(const Run &run, const Job &job) override
    {
        QFile log(m_runs.logPath(run.id));
        if (log.open(QIODevice::WriteOnly))
            log.write(
                QStringLiteral("hello from run %1 of %2\nall done\n").arg(run.id).arg(job.name).toUtf8());
        const Run::Status status = m_outcomes->value(job.name, Run::Status::Ok);
        QTimer::singleShot(*m_duration, &m_context, [this, id = run.id, name = job.name, status] {
            RunOutcome o;
            o.status = status;
            o.exitCode = status == Run::Status::Ok ? 0 : 2;
            o.reason = status == Run::Status::Ok ? QString() : u"exit code 2"_s;
            o.inputTokens = 1200;
            o.outputTokens = 300;
            o.cacheTokens = 45;
            o.costUsd = 0.42;
            o.container = u"paddock-job-%1-%2"_s.arg(name).arg(id);
            o.workspace = u"/srv/workspaces/%1"_s.arg(name);
            m_finished(id, o);
        });
    }
    void cancel(qint64 id) override
    {
        QTimer::singleShot(0, &m_context, [this, id] {
            RunOutcome o;
            o.status = Run::Status::Cancelled;
            m_finished(id, o);
        });
    }

private:
    QObject m_context;
    SchedulerService::Options::Finished m_finished;
    const RunStore &m_runs;
    const int *m_duration;
    const QHash<QString, Run::Status> *m_outcomes;
};

QString plain(QString text)
{
    return text.remove(u'&');
}

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC);
}

} // namespace

class TestJobsPage : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_duration = 800;
    QHash<QString, Run::Status> m_outcomes;
    std::unique_ptr<SchedulerService> m_service;
    std::unique_ptr<JobsPage> m_page;

    QString jobsPath() const { return m_dir.filePath(u"config/jobs.json"_s); }
    QString runsPath() const { return m_dir.filePath(u"data/runs/runs.db"_s); }

    SchedulerService::Options options()
    {
        SchedulerService::Options o;
        o.jobsPath = jobsPath();
        o.runsPath = runsPath();
        o.lockPath = m_dir.filePath(u"run/scheduler.lock"_s);
        o.followSystem = false;
        o.launcher = [this](SchedulerService::Options::Finished finished, const RunStore &runs) {
            return std::make_unique<TestLauncher>(std::move(finished), runs, &m_duration, &m_outcomes);
        };
        return o;
    }
    template <typename T = QWidget> T *find(const char *name) const
    {
        return m_page->findChild<T *>(QLatin1StringView(name));
    }
    void click(const char *button) { QTest::mouseClick(find<QAbstractButton>(button), Qt::LeftButton); }
    QVariant cell(const QString &job, int column, int role = Qt::DisplayRole) const
    {
        const JobListModel *model = m_page->listModel();
        return model->index(model->rowOf(job), column).data(role);
    }
    std::optional<JobStore> store() const
    {
        JobStore s(jobsPath());
        if (!s.load())
            return std::nullopt;
        return s;
    }
    // The runs of a job as the timeline holds them.
    QList<Run> timelineRuns(const QString &job) const
    {
        QList<Run> runs;
        const TimelineModel *model = m_page->timelineModel();
        const int row = model->rowOf(job);
        for (qsizetype i = 0; row >= 0 && i < model->runCount(row); ++i)
            runs << model->run(row, i);
        return runs;
    }
    // Hovers `pos` on the timeline as the mouse would, and returns what the tooltip shows.
    QString hover(const QPoint &pos)
    {
        QWidget *viewport = m_page->timeline()->viewport();
        QHelpEvent event(QEvent::ToolTip, pos, viewport->mapToGlobal(pos));
        QApplication::sendEvent(viewport, &event);
        return QToolTip::isVisible() ? QToolTip::text() : QString();
    }
    void writeJobs(const QByteArray &bytes)
    {
        QSaveFile f(jobsPath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        QVERIFY(f.commit());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QDir().mkpath(m_dir.filePath(u"run"_s));
        QDir().mkpath(m_dir.filePath(u"repo"_s));
        m_service = std::make_unique<SchedulerService>(options());
        const auto started = m_service->start();
        QVERIFY2(started, started ? "" : qPrintable(started.error().text()));
        m_page = std::make_unique<JobsPage>(m_service.get());
        new QAbstractItemModelTester(m_page->listModel(),
                                     QAbstractItemModelTester::FailureReportingMode::QtTest, m_page.get());
        m_page->setPersonas({u"agent"_s, u"dev"_s, u"web"_s});
        m_page->resize(1300, 850);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    }

    void cleanupTestCase()
    {
        m_page.reset();
        if (m_service)
            m_service->stop();
        m_service.reset();
    }

    void saysWhoSchedules()
    {
        QCOMPARE(m_service->role(), SchedulerService::Role::Scheduling);
        QVERIFY(find<QLabel>("roleLabel")->text().startsWith(u"Scheduling here"_s));
        QVERIFY(!find<QFrame>("jobsErrorBanner")->isVisible());
        QCOMPARE(m_page->listModel()->rowCount(), 0);
        QVERIFY(!find<QPushButton>("runNowButton")->isEnabled()); // nothing selected
    }

    void newJobThroughTheDialog()
    {
        click("newJobButton");
        QPointer<JobEditDialog> dialog = m_page->editDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QPushButton *ok = dialog->findChild<QDialogButtonBox *>(u"buttons"_s)->button(QDialogButtonBox::Ok);
        QCOMPARE(dialog->findChild<QComboBox *>(u"timeZoneCombo"_s)->currentText(),
                 CronSchedule::systemZone());
        QVERIFY(!ok->isEnabled()); // no name yet, and it says so beside the field
        QVERIFY(dialog->findChild<QLabel *>(u"problem-name"_s)->isVisible());

        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"nameEdit"_s), u"nightly"_s);
        QVERIFY(!dialog->findChild<QLabel *>(u"problem-name"_s)->isVisible());
        auto *persona = dialog->findChild<QComboBox *>(u"personaCombo"_s);
        persona->setCurrentIndex(persona->findText(u"dev"_s));
        QTest::keyClicks(dialog->findChild<QComboBox *>(u"repositoryCombo"_s)->lineEdit(),
                         m_dir.filePath(u"repo"_s));
        QTest::keyClicks(dialog->findChild<QPlainTextEdit *>(u"promptEdit"_s), u"Fix the flaky tests"_s);
        dialog->findChild<QComboBox *>(u"timeZoneCombo"_s)->setCurrentText(u"Europe/Berlin"_s);

        // A minute of 61: underlined where it is, and why, beside the field; OK stays off.
        auto *schedule = dialog->findChild<ScheduleEdit *>(u"scheduleEdit"_s);
        QTest::keyClicks(schedule, u"0 61 * * *"_s);
        QCOMPARE(schedule->errorColumn(), 3);
        QCOMPARE(schedule->errorLength(), 2);
        auto *why = dialog->findChild<QLabel *>(u"problem-schedule"_s);
        QVERIFY(why->isVisible());
        QVERIFY2(why->text().contains(u"column 3"_s) && why->text().contains(u"61"_s),
                 qPrintable(why->text()));
        QVERIFY(!ok->isEnabled());
        QVERIFY(dialog->previewTexts().isEmpty());
        // The underline is drawn under "61", red, and nowhere else.
        const QRect under = schedule->errorRect();
        const QFontMetrics fm(schedule->font());
        QVERIFY2(under.left() >= fm.horizontalAdvance(u"0 "_s), qPrintable(u"%1"_s.arg(under.left())));
        QVERIFY(std::abs(under.width() - fm.horizontalAdvance(u"61"_s)) <= 4);
        const QImage image = schedule->grab().toImage();
        const auto reds = [&](const QRect &area) {
            int n = 0;
            for (int y = area.top(); y <= area.bottom(); ++y)
                for (int x = area.left(); x <= area.right(); ++x) {
                    const QColor c = image.pixelColor(x * image.width() / schedule->width(),
                                                      y * image.height() / schedule->height());
                    n += c.red() - c.green() > 60 && c.red() - c.blue() > 60;
                }
            return n;
        };
        QVERIFY(reds(under) > 3);
        QCOMPARE(reds(QRect(2, under.top(), under.left() - 4, under.height())), 0);

        // Fixed: explained in words, and the next five runs in Berlin, across the spring change.
        schedule->selectAll();
        QTest::keyClicks(schedule, u"30 2 * * *"_s);
        QCOMPARE(schedule->errorLength(), 0);
        QVERIFY(!why->isVisible());
        QVERIFY(dialog->findChild<QLabel *>(u"scheduleWords"_s)->text().contains(u"02:30"_s));
        QCOMPARE(dialog->previewTexts().size(), JobEditDialog::PreviewCount);
        dialog->setPreviewFrom(QDateTime(QDate(2021, 3, 26), QTime(12, 0), QTimeZone::UTC));
        QCOMPARE(dialog->previewTexts(),
                 (QStringList{u"Sat 2021-03-27 02:30 CET"_s, u"Sun 2021-03-28 03:00 CEST"_s,
                              u"Mon 2021-03-29 02:30 CEST"_s, u"Tue 2021-03-30 02:30 CEST"_s,
                              u"Wed 2021-03-31 02:30 CEST"_s}));
        // An unknown zone is said beside the zone.
        dialog->findChild<QComboBox *>(u"timeZoneCombo"_s)->setCurrentText(u"Europe/Atlantis"_s);
        QVERIFY(!ok->isEnabled());
        QVERIFY(dialog->findChild<QLabel *>(u"problem-timeZone"_s)->isVisible());
        dialog->findChild<QComboBox *>(u"timeZoneCombo"_s)->setCurrentText(u"Europe/Berlin"_s);
        QVERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);

        // In the list, selected, with its next run at 02:30 in Berlin; and in jobs.json.
        QTRY_VERIFY_WITH_TIMEOUT(m_page->listModel()->rowOf(u"nightly"_s) >= 0, 5000);
        QTRY_COMPARE(m_page->selectedJob(), u"nightly"_s);
        QVERIFY(cell(u"nightly"_s, JobListModel::Schedule).toString().endsWith(u"(Europe/Berlin)"_s));
        const QString next = cell(u"nightly"_s, JobListModel::NextRun).toString();
        QVERIFY2(QRegularExpression(u"^\\w{3} \\d{4}-\\d\\d-\\d\\d 02:30 CES?T$"_s).match(next).hasMatch(),
                 qPrintable(next));
        QCOMPARE(cell(u"nightly"_s, JobListModel::LastStatus).toString(), u"never ran"_s);
        QCOMPARE(cell(u"nightly"_s, JobListModel::Enabled, Qt::CheckStateRole).toInt(), int(Qt::Checked));
        const auto saved = store();
        QVERIFY(saved);
        const auto job = saved->find(u"nightly"_s);
        QVERIFY(job);
        QCOMPARE(job->persona, u"dev"_s);
        QCOMPARE(job->prompt, u"Fix the flaky tests"_s);
        QCOMPARE(job->schedule, u"30 2 * * *"_s);
        QCOMPARE(job->timeZone, u"Europe/Berlin"_s);
        QCOMPARE(m_page->timelineModel()->rowOf(u"nightly"_s), 0);
        QTRY_VERIFY(!dialog);
    }

    void runNowRunsThenEndsOnTheListAndTheTimeline()
    {
        m_page->selectJob(u"nightly"_s);
        QVERIFY(find<QPushButton>("runNowButton")->isEnabled());
        click("runNowButton");
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(u"nightly"_s, JobListModel::LastStatus, JobListModel::StatusRole).toInt(),
            int(Run::Status::Running), 5000);
        QCOMPARE(cell(u"nightly"_s, JobListModel::LastStatus).toString(), u"running"_s);
        QList<Run> runs = timelineRuns(u"nightly"_s);
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().status, Run::Status::Running);
        const Run running = runs.first();
        TimelineView *timeline = m_page->timeline();
        QVERIFY(timeline->visibleFrom() < running.started && running.started < timeline->visibleTo());
        QString tip = hover(timeline->pointAt(u"nightly"_s, running.started));
        QVERIFY2(tip.contains(u"running"_s) && tip.contains(u"Running for:"_s), qPrintable(tip));

        QTRY_COMPARE_WITH_TIMEOUT(
            cell(u"nightly"_s, JobListModel::LastStatus, JobListModel::StatusRole).toInt(),
            int(Run::Status::Ok), 5000);
        QCOMPARE(cell(u"nightly"_s, JobListModel::LastStatus).toString(), u"succeeded"_s);
        QCOMPARE(cell(u"nightly"_s, JobListModel::Failures).toInt(), 0);
        runs = timelineRuns(u"nightly"_s);
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().status, Run::Status::Ok);
        QCOMPARE(runs.first().trigger, Run::Trigger::Manual);

        // The tooltip: both times, in the job's zone, the status, exit code, tokens and cost.
        QToolTip::hideText();
        const QPoint bar = timeline->pointAt(u"nightly"_s, runs.first().started);
        tip = hover(bar);
        for (const QString &part :
             {u"nightly — run %1"_s.arg(running.id), u"Scheduled:"_s, u"Started:"_s, u"Ended:"_s,
              u"succeeded"_s, u"<b>Exit code:</b> 0"_s, u"Tokens:"_s, u"US$0.42"_s})
            QVERIFY2(tip.contains(part), qPrintable(part + u" not in "_s + tip));
        QVERIFY2(tip.contains(u"1545"_s) || tip.contains(u"1,545"_s), qPrintable(tip));
        QVERIFY2(tip.contains(u" CET"_s) || tip.contains(u" CEST"_s), qPrintable(tip));
        // Nothing is said over an empty stretch of the row.
        QVERIFY(timeline->toolTipAt(bar - QPoint(200, 0)).isEmpty());

        // A click opens the run's details, with its log as the runner wrote it.
        QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, bar);
        QTRY_VERIFY(m_page->runDetails());
        RunDetailsDialog *details = m_page->runDetails();
        QCOMPARE(details->runId(), running.id);
        QTRY_VERIFY(details->isLogLoaded());
        QVERIFY2(details->logText().contains(u"hello from run %1 of nightly"_s.arg(running.id)),
                 qPrintable(details->logText()));
        const auto value = [&](const char *name) {
            return details->findChild<QLabel *>(QLatin1StringView(name))->text();
        };
        QCOMPARE(value("exitValue"), u"0"_s);
        QCOMPARE(value("statusValue"), u"succeeded"_s);
        QVERIFY(value("costValue").contains(u"0.42"_s));
        QCOMPARE(value("containerValue"), u"paddock-job-nightly-%1"_s.arg(running.id));
        QCOMPARE(value("workspaceValue"), u"/srv/workspaces/nightly"_s);
        QVERIFY(!details->findChild<QPushButton *>(u"cancelRunButton"_s)->isVisible());
        details->close();
    }

    void failuresInARowAreCounted()
    {
        m_outcomes[u"nightly"_s] = Run::Status::Failed;
        m_duration = 50;
        for (int i = 1; i <= 2; ++i) {
            click("runNowButton");
            QTRY_COMPARE_WITH_TIMEOUT(cell(u"nightly"_s, JobListModel::Failures).toInt(), i, 5000);
        }
        QCOMPARE(cell(u"nightly"_s, JobListModel::LastStatus).toString(), u"failed"_s);
        QVERIFY(cell(u"nightly"_s, JobListModel::LastStatus, Qt::ToolTipRole)
                    .toString()
                    .contains(u"exit code 2"_s));
        m_outcomes.remove(u"nightly"_s);
        click("runNowButton");
        QTRY_COMPARE_WITH_TIMEOUT(cell(u"nightly"_s, JobListModel::Failures).toInt(), 0, 5000);
        QTRY_COMPARE(cell(u"nightly"_s, JobListModel::LastStatus).toString(), u"succeeded"_s);
    }

    void pauseAndResume()
    {
        m_page->selectJob(u"nightly"_s);
        QCOMPARE(plain(find<QPushButton>("pauseButton")->text()), u"Pause"_s);
        click("pauseButton");
        QTRY_COMPARE_WITH_TIMEOUT(cell(u"nightly"_s, JobListModel::Enabled, Qt::CheckStateRole).toInt(),
                                  int(Qt::Unchecked), 5000);
        QCOMPARE(cell(u"nightly"_s, JobListModel::Enabled).toString(), u"no: paused by you"_s);
        QCOMPARE(cell(u"nightly"_s, JobListModel::NextRun).toString(), u"not while disabled"_s);
        QCOMPARE(plain(find<QPushButton>("pauseButton")->text()), u"Resume"_s);
        QVERIFY(!store()->find(u"nightly"_s)->enabled);
        QVERIFY(!m_page->timelineModel()->job(0).enabled);
        click("pauseButton");
        QTRY_COMPARE_WITH_TIMEOUT(cell(u"nightly"_s, JobListModel::Enabled, Qt::CheckStateRole).toInt(),
                                  int(Qt::Checked), 5000);
        QVERIFY(store()->find(u"nightly"_s)->enabled);
        QCOMPARE(m_page->selectedJob(), u"nightly"_s);
    }

    void duplicateMakesACopyUnderANewName()
    {
        m_page->selectJob(u"nightly"_s);
        click("duplicateButton");
        QPointer<JobEditDialog> dialog = m_page->editDialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->findChild<QLineEdit *>(u"nameEdit"_s)->text(), u"nightly-2"_s);
        QCOMPARE(dialog->findChild<ScheduleEdit *>(u"scheduleEdit"_s)->text(), u"30 2 * * *"_s);
        // The original's name is taken.
        dialog->findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"nightly"_s);
        QVERIFY(dialog->findChild<QLabel *>(u"problem-name"_s)->text().contains(u"another job"_s));
        dialog->findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"hourly"_s);
        dialog->findChild<ScheduleEdit *>(u"scheduleEdit"_s)->setText(u"0 * * * *"_s);
        dialog->findChild<QComboBox *>(u"timeZoneCombo"_s)->setCurrentText(u"Asia/Kolkata"_s);
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>(u"buttons"_s)->button(QDialogButtonBox::Ok),
                          Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->listModel()->rowOf(u"hourly"_s) == 1, 5000);
        QTRY_COMPARE(m_page->selectedJob(), u"hourly"_s);
        QCOMPARE(store()->find(u"hourly"_s)->prompt, u"Fix the flaky tests"_s);
    }

    void theTimelineShowsHistoryMissedSlotsAndWhatIsToCome()
    {
        // History written by the scheduling process before this window opened.
        const qint64 now = QDateTime::currentMSecsSinceEpoch() / 60000 * 60000;
        {
            auto runs = RunStore::open(runsPath());
            QVERIFY(runs);
            Run failed;
            failed.job = u"hourly"_s;
            failed.scheduled = utc(now - 3 * Hour);
            failed.started = utc(now - 3 * Hour + 20 * 60000); // late: a tick at the slot, the bar after
            failed.ended = utc(now - 2 * Hour);
            failed.status = Run::Status::Failed;
            failed.reason = u"exit code 2"_s;
            failed.exitCode = 2;
            QVERIFY(runs->insert(failed));
            QVERIFY(runs->insertMissed(u"hourly"_s, {utc(now - 9 * Hour)}, u"Paddock was not running"_s, 4,
                                       utc(now - 5 * Hour)));
        }
        JobsPage page(m_service.get());
        page.resize(1300, 850);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        TimelineView *timeline = page.timeline();
        QTRY_VERIFY(page.timelineModel()->rowOf(u"hourly"_s) >= 0 && page.timelineModel()->runCount(1) >= 2);
        QCOMPARE(timeline->spanMs(), Day);
        // The last run is the one that ended last, not the last recorded.
        QTRY_COMPARE(page.listModel()->index(1, JobListModel::LastStatus).data().toString(), u"failed"_s);
        QCOMPARE(page.listModel()->index(1, JobListModel::Failures).data().toInt(), 1);

        QString tip = timeline->toolTipAt(timeline->pointAt(u"hourly"_s, utc(now - 150 * 60000)));
        QVERIFY2(tip.contains(u"failed: exit code 2"_s) && tip.contains(u"<b>Exit code:</b> 2"_s),
                 qPrintable(tip));
        // The slot's tick is 20 minutes before the bar: that too is the run.
        QVERIFY(
            timeline->toolTipAt(timeline->pointAt(u"hourly"_s, utc(now - 3 * Hour))).contains(u"failed"_s));
        // A missed record of five slots covers their stretch.
        tip = timeline->toolTipAt(timeline->pointAt(u"hourly"_s, utc(now - 7 * Hour)));
        QVERIFY2(tip.contains(u"5 slot(s)"_s) && tip.contains(u"Paddock was not running"_s), qPrintable(tip));
        QVERIFY2(tip.contains(u" IST"_s), qPrintable(tip));

        // The next slot: the next full hour in Kolkata (UTC+05:30), at half past in UTC.
        const QDateTime kolkata = utc(now).toTimeZone(QTimeZone("Asia/Kolkata"));
        const QDateTime next =
            QDateTime(kolkata.date(), QTime(kolkata.time().hour(), 0), QTimeZone("Asia/Kolkata"))
                .addSecs(3600);
        tip = timeline->toolTipAt(timeline->pointAt(u"hourly"_s, next) + QPoint(2, 0));
        QVERIFY2(tip.contains(u"Next on schedule:"_s) &&
                     tip.contains(next.toString(u"yyyy-MM-dd HH:mm:00"_s) + u" IST"_s),
                 qPrintable(tip));

        // Europe/Berlin's last change of the clocks, shaded on nightly's row.
        const QTimeZone berlin("Europe/Berlin");
        const auto change = berlin.previousTransition(QDateTime::currentDateTimeUtc());
        QVERIFY(change.atUtc.isValid());
        timeline->scrollTo(change.atUtc.addSecs(-12 * 3600));
        tip = timeline->toolTipAt(timeline->pointAt(u"nightly"_s, change.atUtc));
        const bool forward = change.offsetFromUtc > berlin.offsetFromUtc(change.atUtc.addSecs(-86400));
        QVERIFY2(tip.contains(forward ? u"Clocks in Europe/Berlin go forward"_s
                                      : u"Clocks in Europe/Berlin go back"_s),
                 qPrintable(tip));
        // And hours away from it, nothing.
        QVERIFY(
            timeline->toolTipAt(timeline->pointAt(u"nightly"_s, change.atUtc.addSecs(5 * 3600))).isEmpty());
    }

    void zoomButtonsChangeTheSpan()
    {
        TimelineView *timeline = m_page->timeline();
        click("zoomWeekButton");
        QCOMPARE(timeline->spanMs(), 7 * Day);
        QCOMPARE(timeline->visibleFrom().msecsTo(timeline->visibleTo()), 7 * Day);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(timeline->visibleFrom() <= now && now <= timeline->visibleTo()); // now stays in view
        click("zoomHoursButton");
        QCOMPARE(timeline->spanMs(), 6 * Hour);
        click("zoomDayButton");
        QCOMPARE(timeline->spanMs(), Day);
        // ctrl+wheel: a notch out is a quarter more.
        const QPointF at(timeline->viewport()->width() / 2.0, timeline->viewport()->height() / 2.0);
        QWheelEvent out(at, timeline->viewport()->mapToGlobal(at), {}, QPoint(0, -120), Qt::NoButton,
                        Qt::ControlModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(timeline->viewport(), &out);
        QCOMPARE(timeline->spanMs(), Day * 5 / 4);
        // Scrolled away, Today brings now back.
        timeline->scrollTo(now.addDays(-10));
        QVERIFY(timeline->visibleTo() < now);
        click("todayButton");
        QVERIFY(timeline->visibleFrom() <= now && now <= timeline->visibleTo());
        // The horizontal scroll bar moves the window.
        const QDateTime from = timeline->visibleFrom();
        timeline->horizontalScrollBar()->triggerAction(QAbstractSlider::SliderPageStepSub);
        QVERIFY(timeline->visibleFrom() < from);
        click("zoomDayButton");
        click("todayButton");
    }

    void deleteAsksFirst()
    {
        m_page->selectJob(u"hourly"_s);
        click("deleteButton");
        QPointer<QMessageBox> box = find<QMessageBox>("deleteJobBox");
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        QVERIFY(box->text().contains(u"hourly"_s));
        QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
        QTRY_VERIFY(!box);
        QTest::qWait(200);
        QVERIFY(m_page->listModel()->rowOf(u"hourly"_s) >= 0);

        click("deleteButton");
        box = find<QMessageBox>("deleteJobBox");
        QVERIFY(box);
        QTest::mouseClick(box->findChild<QPushButton *>(u"confirmDeleteButton"_s), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->listModel()->rowOf(u"hourly"_s) < 0, 5000);
        QVERIFY(!store()->find(u"hourly"_s));
        QCOMPARE(m_page->timelineModel()->rowCount(), 1);
    }

    void aBrokenJobsFileShowsABanner()
    {
        QFile f(jobsPath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray good = f.readAll();
        f.close();
        writeJobs("{\n  \"version\": 1,\n  \"jobs\": [ oops ]\n}\n");
        QTRY_VERIFY_WITH_TIMEOUT(find<QFrame>("jobsErrorBanner")->isVisible(), 5000);
        const QString text = find<QLabel>("jobsErrorText")->text();
        QVERIFY2(text.contains(u"jobs.json:3:"_s), qPrintable(text));
        QVERIFY(!find<QPushButton>("newJobButton")->isEnabled()); // nothing could be saved
        QCOMPARE(m_page->listModel()->rowCount(), 1);             // the jobs go on as they were
        writeJobs(good);
        QTRY_VERIFY_WITH_TIMEOUT(!find<QFrame>("jobsErrorBanner")->isVisible(), 5000);
        QVERIFY(find<QPushButton>("newJobButton")->isEnabled());
    }

    void theTimelineModelFindsWhatIsInTheWindow()
    {
        // Random runs of three jobs, some long, some unfinished, missed stretches; every run drawn
        // in a window is among those runsIn() gives, whatever the window.
        QRandomGenerator random(7);
        TimelineModel model;
        QList<Job> jobs;
        for (const char *name : {"a", "b", "c"}) {
            Job job;
            job.name = QLatin1StringView(name);
            job.schedule = u"*/5 * * * *"_s;
            job.timeZone = u"UTC"_s;
            jobs << job;
        }
        model.setJobs(jobs);
        const qint64 base = 1'700'000'000'000;
        QList<Run> runs;
        for (int i = 1; i <= 3000; ++i) {
            Run run;
            run.id = i;
            run.job = jobs[random.bounded(3)].name;
            run.scheduled = utc(base + random.bounded(30 * 24) * Hour);
            const int kind = random.bounded(20);
            run.status = kind == 0 ? Run::Status::Running : kind == 1 ? Run::Status::Missed : Run::Status::Ok;
            if (run.status != Run::Status::Missed) {
                run.started = run.scheduled.addSecs(random.bounded(3600));
                if (run.isFinal())
                    run.ended = run.started.addSecs(random.bounded(kind == 2 ? 5 * 86400 : 7200));
            } else if (random.bounded(2)) {
                run.slotCount = 10;
                run.lastSlot = run.scheduled.addSecs(random.bounded(3 * 86400));
            }
            runs << run;
        }
        // Half at once, the rest one by one and in a batch, some twice (an older word about a run).
        model.setRuns(runs.mid(0, 1500));
        for (qsizetype i = 1500; i < 1600; ++i)
            model.mergeRun(runs[i]);
        model.mergeRuns(runs.mid(1600));
        Run stale = runs[10];
        stale.status = Run::Status::Running;
        stale.ended = {};
        model.mergeRun(stale);
        QCOMPARE(model.totalRuns(), runs.size());
        QCOMPARE(model.findRun(runs[10].id)->status, runs[10].status);

        const qint64 now = base + 40 * Day;
        for (int w = 0; w < 300; ++w) {
            const qint64 from = base - 2 * Day + random.bounded(36 * 24) * Hour;
            const qint64 to = from + (1 + random.bounded(7 * 24)) * Hour;
            for (int row = 0; row < 3; ++row) {
                const auto [first, last] = model.runsIn(row, from, to, 0);
                for (qsizetype i = 0; i < model.runCount(row); ++i) {
                    const auto &s = model.span(row, i);
                    QVERIFY(i == 0 || model.span(row, i - 1).scheduled <= s.scheduled);
                    const qint64 left = std::min(s.scheduled, s.begin);
                    const qint64 right = std::max({s.isOpen() ? now : s.end, s.lastSlot, s.begin});
                    if (right >= from && left <= to) {
                        QVERIFY2(i >= first && i < last,
                                 qPrintable(u"run %1 outside [%2, %3)"_s.arg(s.id).arg(first).arg(last)));
                    }
                }
            }
        }
        // What is to come: every five minutes (base is 22:13:20 UTC), joined into one stretch when
        // they come closer than the resolution.
        int inWindow = 0;
        for (const auto &u : model.upcoming(0, base, base + Hour, 1000)) {
            QCOMPARE(u.first, u.last);
            QCOMPARE(u.first % (5 * 60000), 0);
            inWindow += u.first >= base && u.first <= base + Hour;
        }
        QCOMPARE(inWindow, 12); // 22:15 … 23:10
        const auto &coarse = model.upcoming(0, base + Day, base + 2 * Day, 10 * 60000);
        QCOMPARE(coarse.size(), size_t(1));
        QVERIFY(coarse.front().first <= base + Day + 5 * 60000 &&
                coarse.front().last >= base + 2 * Day - 10 * 60000);
        // Disabled: nothing to come.
        jobs[0].enabled = false;
        model.setJobs(jobs);
        QVERIFY(model.upcoming(0, base, base + Hour, 1000).empty());
    }

    void theTrayListsRunningJobsAndTellsAnIncidentOnce()
    {
        JobNotifier notifier(nullptr);
        QSignalSpy told(&notifier, &JobNotifier::notify);
        Run failed;
        failed.id = 7;
        failed.job = u"flaky"_s;
        failed.status = Run::Status::Failed;
        failed.reason = u"exit code 2"_s;
        notifier.applyIncident(u"flaky"_s, 2, failed);
        QCOMPARE(told.size(), 1);
        QCOMPARE(told.first().at(0).toString(), u"Job flaky keeps failing"_s);
        QVERIFY(told.first().at(1).toString().contains(u"exit code 2"_s));
        failed.id = 8;
        notifier.applyRun(failed);
        notifier.applyIncident(u"flaky"_s, 3, failed);
        QCOMPARE(told.size(), 1); // the same incident
        QCOMPARE(notifier.failing().value(u"flaky"_s), 3);
        Run ok = failed;
        ok.id = 9;
        ok.status = Run::Status::Ok;
        notifier.applyRun(ok);
        QVERIFY(notifier.failing().isEmpty());
        notifier.applyIncident(u"flaky"_s, 2, failed);
        QCOMPARE(told.size(), 2); // a new one
        notifier.applyDisabled(u"flaky"_s, u"disabled after 5 failure(s) in a row"_s);
        notifier.applyDisabled(u"flaky"_s, u"disabled after 5 failure(s) in a row"_s);
        QCOMPARE(told.size(), 3);
        QCOMPARE(told.last().at(0).toString(), u"Job flaky was disabled"_s);

        Run running;
        running.id = 10;
        running.job = u"nightly"_s;
        running.status = Run::Status::Running;
        running.scheduled = running.started = QDateTime::currentDateTimeUtc();
        notifier.applyRun(running);
        QCOMPARE(notifier.active().size(), 1);

        Engine engine;
        QWidget window;
        TrayIcon tray(engine, &window);
        tray.applyJobs(notifier.active(), notifier.failing());
        QMenu *menu = tray.jobsMenu();
        QVERIFY(menu);
        QCOMPARE(plain(menu->title()), u"Jobs — 1 running"_s);
        QStringList texts;
        for (QAction *a : menu->actions())
            texts << a->text();
        QVERIFY2(texts.first().startsWith(u"nightly — running since "_s), qPrintable(texts.join(u" | "_s)));
        QVERIFY(texts.contains(u"flaky — 2 failure(s) in a row"_s));
        QVERIFY(tray.statusAction()->text().contains(u"1 job(s) running"_s));
        QSignalSpy asked(&tray, &TrayIcon::jobsRequested);
        menu->findChild<QAction *>(u"trayOpenJobsAction"_s)->trigger();
        QCOMPARE(asked.size(), 1);
        running.status = Run::Status::Ok;
        running.ended = QDateTime::currentDateTimeUtc();
        notifier.applyRun(running);
        tray.applyJobs(notifier.active(), notifier.failing());
        QCOMPARE(plain(tray.jobsMenu()->title()), u"Jobs"_s);
        QCOMPARE(tray.jobsMenu()->actions().first()->text(), u"No job is running"_s);
    }
};

QTEST_MAIN(TestJobsPage)
#include "test_jobs_page.moc"
