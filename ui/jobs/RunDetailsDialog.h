#pragma once

#include "scheduler/Run.h"

#include <QDialog>
#include <QHash>
#include <QPointer>
#include <QTimeZone>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace paddock {

class SchedulerService;

// One run in full: the slot it was due for and when it started and ended (in the job's zone), its
// status and why, exit code, tokens, cost, container and workspace, and the end of its log, read by
// the scheduler service (readLog) and answered on this thread. It follows the run as it changes
// (applyRun) and reads the log again when it ends; a queued or running run can be cancelled.
class RunDetailsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunDetailsDialog)

public:
    static constexpr qint64 LogBytes = 256 * 1024;

    RunDetailsDialog(const Run &run, const QTimeZone &zone, SchedulerService *scheduler,
                     QWidget *parent = nullptr);

    qint64 runId() const { return m_run.id; }
    const Run &run() const { return m_run; }
    // The log as shown, or what was said instead of it.
    QString logText() const;
    bool isLogLoaded() const { return m_logLoaded; }

public slots:
    void applyRun(const paddock::Run &run);
    void reloadLog();

private:
    void showRun();
    QLabel *value(const char *name);

    Run m_run;
    QTimeZone m_zone;
    QPointer<SchedulerService> m_scheduler;
    bool m_logLoaded = false;
    QHash<QString, QLabel *> m_values;
    QPlainTextEdit *m_log;
    QPushButton *m_cancel;
};

} // namespace paddock
