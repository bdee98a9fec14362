// The job edit dialog field by field: each problem beside its field and OK off while there is one,
// a schedule's mistake underlined at its column (also after leading blanks), the schedule in words
// and its next runs in the job's zone (a southern change of the clocks, "never", "on start"), a
// command instead of a prompt, and what Enabled records.
#include "jobs/JobEditDialog.h"
#include "jobs/ScheduleEdit.h"
#include "scheduler/CronSchedule.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTest>

using namespace paddock;
using namespace Qt::StringLiterals;

namespace {

Job goodJob()
{
    Job job;
    job.name = u"nightly"_s;
    job.persona = u"agent"_s;
    job.repository = u"/srv/app"_s;
    job.prompt = u"Fix the flaky tests"_s;
    job.agent = u"claude"_s;
    job.effort = u"high"_s;
    job.schedule = u"30 2 * * 1-5"_s;
    job.timeZone = u"Europe/Berlin"_s;
    return job;
}

JobEditDialog::Choices choices()
{
    return {{u"agent"_s, u"dev"_s}, {u"/srv/app"_s}, {u"weekly"_s}};
}

} // namespace

class TestJobEditDialog : public QObject
{
    Q_OBJECT

    std::unique_ptr<JobEditDialog> m_dialog;

    template <typename T> T *find(const QString &name) const { return m_dialog->findChild<T *>(name); }
    QPushButton *ok() const { return find<QDialogButtonBox>(u"buttons"_s)->button(QDialogButtonBox::Ok); }
    // The problems on show, by field.
    QStringList shownProblems() const
    {
        QStringList shown;
        for (QLabel *label : m_dialog->findChildren<QLabel *>())
            if (label->objectName().startsWith(u"problem-"_s) && label->isVisible())
                shown << label->objectName().mid(8);
        return shown;
    }
    void open(const Job &job)
    {
        m_dialog = std::make_unique<JobEditDialog>(job, choices());
        m_dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_dialog.get()));
    }

private slots:
    void cleanup() { m_dialog.reset(); }

    void aGoodJobIsAcceptedAsItWas()
    {
        open(goodJob());
        QVERIFY(shownProblems().isEmpty());
        QVERIFY(ok()->isEnabled());
        QCOMPARE(m_dialog->job(), goodJob());
        QCOMPARE(m_dialog->windowTitle(), u"Edit job nightly"_s);
    }

    void aNewJobStartsInTheSystemsZone()
    {
        open(JobEditDialog::newJob({u"dev"_s, u"agent"_s}));
        QCOMPARE(find<QComboBox>(u"timeZoneCombo"_s)->currentText(), CronSchedule::systemZone());
        QCOMPARE(find<QComboBox>(u"personaCombo"_s)->currentText(), u"dev"_s);
        QVERIFY(find<QRadioButton>(u"promptRadio"_s)->isChecked());
        QVERIFY(!ok()->isEnabled());
        QCOMPARE(m_dialog->windowTitle(), u"New job"_s);
    }

    void eachProblemIsSaidBesideItsField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("says");
        QTest::newRow("name taken") << u"name"_s << u"another job"_s;
        QTest::newRow("name") << u"name"_s << u"not a job name"_s;
        QTest::newRow("persona") << u"persona"_s << u"no persona"_s;
        QTest::newRow("repository") << u"repository"_s << u"absolute path"_s;
        QTest::newRow("baseBranch") << u"baseBranch"_s << u"branch name"_s;
        QTest::newRow("prompt") << u"prompt"_s << u"needs a prompt"_s;
        QTest::newRow("timeZone") << u"timeZone"_s << u"unknown time zone"_s;
        QTest::newRow("timeoutMinutes") << u"timeoutMinutes"_s << u"timeout"_s;
        QTest::newRow("budget") << u"budget"_s << u"soft limit above its hard limit"_s;
        QTest::newRow("catchUpLimit") << u"catchUpLimit"_s << u"catchUpLimit"_s;
        QTest::newRow("failureThreshold") << u"failureThreshold"_s << u"failureThreshold"_s;
    }

    void eachProblemIsSaidBesideItsField()
    {
        QFETCH(QString, field);
        QFETCH(QString, says);
        open(goodJob());
        const QString row = QString::fromLatin1(QTest::currentDataTag());
        if (row == u"name taken"_s)
            find<QLineEdit>(u"nameEdit"_s)->setText(u"weekly"_s);
        else if (row == u"name"_s)
            find<QLineEdit>(u"nameEdit"_s)->setText(u"Nightly Tests"_s);
        else if (row == u"persona"_s)
            m_dialog = std::make_unique<JobEditDialog>(
                [] {
                    Job j = goodJob();
                    j.persona = u"ghost"_s;
                    return j;
                }(),
                choices());
        else if (row == u"repository"_s)
            find<QComboBox>(u"repositoryCombo"_s)->setCurrentText(u"src/app"_s);
        else if (row == u"baseBranch"_s)
            find<QLineEdit>(u"baseBranchEdit"_s)->setText(u"bad..name"_s);
        else if (row == u"prompt"_s)
            find<QPlainTextEdit>(u"promptEdit"_s)->setPlainText(u"   "_s);
        else if (row == u"timeZone"_s)
            find<QComboBox>(u"timeZoneCombo"_s)->setCurrentText(u"Mars/Olympus"_s);
        else if (row == u"timeoutMinutes"_s)
            find<QSpinBox>(u"timeoutSpin"_s)->setValue(0);
        else if (row == u"budget"_s) {
            find<QDoubleSpinBox>(u"hardCostSpin"_s)->setValue(1);
            find<QDoubleSpinBox>(u"softCostSpin"_s)->setValue(2);
        } else if (row == u"catchUpLimit"_s) {
            auto *catchUp = find<QComboBox>(u"catchUpCombo"_s);
            catchUp->setCurrentIndex(catchUp->findData(int(Job::CatchUp::All)));
            QVERIFY(find<QSpinBox>(u"catchUpLimitSpin"_s)->isEnabled());
            find<QSpinBox>(u"catchUpLimitSpin"_s)->setValue(0);
        } else if (row == u"failureThreshold"_s)
            find<QSpinBox>(u"failureThresholdSpin"_s)->setValue(0);
        m_dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_dialog.get()));
        QCOMPARE(shownProblems(), QStringList{field});
        QVERIFY(m_dialog->problem());
        QCOMPARE(m_dialog->problem()->field, field);
        auto *label = find<QLabel>(u"problem-"_s + field);
        QVERIFY2(label->text().contains(says), qPrintable(label->text()));
        QVERIFY(!ok()->isEnabled());
        // OK refused also when pressed some other way.
        m_dialog->accept();
        QVERIFY(m_dialog->isVisible());
    }

    void aScheduleMistakeIsUnderlinedWhereItIs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("length");
        QTest::newRow("minute 61") << u"61 2 * * *"_s << 1 << 2;
        QTest::newRow("hour 24") << u"0 24 * * *"_s << 3 << 2;
        QTest::newRow("after blanks") << u"  0 61 * * *"_s << 5 << 2;
        QTest::newRow("an unknown day") << u"0 0 * * MOX"_s << 9 << 3;
    }

    void aScheduleMistakeIsUnderlinedWhereItIs()
    {
        QFETCH(QString, text);
        QFETCH(int, column);
        QFETCH(int, length);
        open(goodJob());
        auto *schedule = find<ScheduleEdit>(u"scheduleEdit"_s);
        schedule->setText(text);
        QCOMPARE(schedule->errorColumn(), column);
        QCOMPARE(schedule->errorLength(), length);
        QVERIFY(!schedule->errorRect().isEmpty());
        QVERIFY(find<QLabel>(u"problem-schedule"_s)->isVisible());
        QVERIFY(find<QLabel>(u"problem-schedule"_s)
                    ->text()
                    .startsWith(u"column %1: "_s.arg(column - (text.size() - text.trimmed().size()))));
        QVERIFY(find<QLabel>(u"scheduleWords"_s)->text().isEmpty());
        QVERIFY(!ok()->isEnabled());
    }

    void theNextRunsAreInTheJobsZone_data()
    {
        QTest::addColumn<QString>("schedule");
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QStringList>("runs");
        // Sydney's clocks go back at 03:00 on 4 April 2021: noon is AEDT, then AEST.
        QTest::newRow("Sydney") << u"0 12 * * *"_s << u"Australia/Sydney"_s
                                << QStringList{u"Sat 2021-04-03 12:00 AEDT"_s, u"Sun 2021-04-04 12:00 AEST"_s,
                                               u"Mon 2021-04-05 12:00 AEST"_s, u"Tue 2021-04-06 12:00 AEST"_s,
                                               u"Wed 2021-04-07 12:00 AEST"_s};
        // Every 90 minutes' worth is not one: */45 is minutes 0 and 45.
        QTest::newRow("Kolkata") << u"*/45 9 * * *"_s << u"Asia/Kolkata"_s
                                 << QStringList{u"Sat 2021-04-03 09:00 IST"_s, u"Sat 2021-04-03 09:45 IST"_s,
                                                u"Sun 2021-04-04 09:00 IST"_s, u"Sun 2021-04-04 09:45 IST"_s,
                                                u"Mon 2021-04-05 09:00 IST"_s};
        QTest::newRow("never") << u"0 0 30 2 *"_s << u"UTC"_s
                               << QStringList{u"Never: no such time in the next 50 years"_s};
        QTest::newRow("on start") << u"on start"_s << u"UTC"_s << QStringList{u"When Paddock starts"_s};
    }

    void theNextRunsAreInTheJobsZone()
    {
        QFETCH(QString, schedule);
        QFETCH(QString, zone);
        QFETCH(QStringList, runs);
        open(goodJob());
        m_dialog->setPreviewFrom(QDateTime(QDate(2021, 4, 3), QTime(0, 0), QTimeZone::UTC));
        find<ScheduleEdit>(u"scheduleEdit"_s)->setText(schedule);
        find<QComboBox>(u"timeZoneCombo"_s)->setCurrentText(zone);
        QCOMPARE(m_dialog->previewTexts(), runs);
        QVERIFY(!find<QLabel>(u"scheduleWords"_s)->text().isEmpty());
        QVERIFY(ok()->isEnabled());
    }

    void aCommandRunsWithoutAnAgent()
    {
        open(goodJob());
        QVERIFY(find<QComboBox>(u"agentCombo"_s)->isEnabled());
        find<QRadioButton>(u"commandRadio"_s)->click();
        QVERIFY(!find<QComboBox>(u"agentCombo"_s)->isEnabled());
        QVERIFY(!find<QPlainTextEdit>(u"promptEdit"_s)->isEnabled());
        QVERIFY(!ok()->isEnabled()); // no command yet
        QCOMPARE(shownProblems(), QStringList{u"prompt"_s});
        QTest::keyClicks(find<QLineEdit>(u"commandEdit"_s), u"make -k \"unit tests\""_s);
        QVERIFY(ok()->isEnabled());
        const Job job = m_dialog->job();
        QCOMPARE(job.command, (QStringList{u"make"_s, u"-k"_s, u"unit tests"_s}));
        QVERIFY(job.prompt.isEmpty() && job.agent.isEmpty() && job.effort.isEmpty());
        // And back: the prompt and the agent as they were.
        find<QRadioButton>(u"promptRadio"_s)->click();
        QCOMPARE(m_dialog->job().prompt, u"Fix the flaky tests"_s);
        QCOMPARE(m_dialog->job().agent, u"claude"_s);
        QVERIFY(m_dialog->job().command.isEmpty());
    }

    void enabledSaysWhoDisabledIt()
    {
        Job disabled = goodJob();
        disabled.enabled = false;
        disabled.disabledReason = u"disabled after 5 failure(s) in a row"_s;
        open(disabled);
        QVERIFY(!find<QCheckBox>(u"enabledCheck"_s)->isChecked());
        QCOMPARE(m_dialog->job().disabledReason, disabled.disabledReason); // kept while left off
        find<QCheckBox>(u"enabledCheck"_s)->setChecked(true);
        QVERIFY(m_dialog->job().enabled);
        QVERIFY(m_dialog->job().disabledReason.isEmpty());
        m_dialog.reset();
        open(goodJob());
        find<QCheckBox>(u"enabledCheck"_s)->setChecked(false);
        QCOMPARE(m_dialog->job().disabledReason, u"disabled by you"_s);
    }
};

QTEST_MAIN(TestJobEditDialog)
#include "test_job_edit_dialog.moc"
