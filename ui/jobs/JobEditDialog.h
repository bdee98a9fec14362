#pragma once

#include "scheduler/Job.h"
#include "scheduler/JobStore.h"

#include <QDateTime>
#include <QDialog>
#include <QHash>

#include <optional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QRadioButton;
class QSpinBox;

namespace paddock {

class ScheduleEdit;

// Edits every field of a job. The schedule is explained in words as it is typed, with the next
// five times it fires in the job's zone, and a mistake in it is underlined at its column with the
// reason. OK is enabled only when the job is acceptable (JobStore::validate, a unique name, a known
// persona); what is wrong is said beside the field.
class JobEditDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobEditDialog)

public:
    struct Choices
    {
        QStringList personas;     // the personas a job may run as
        QStringList repositories; // offered in the repository's list (other jobs', say)
        QStringList otherNames;   // names taken by the other jobs
    };
    static constexpr int PreviewCount = 5;

    JobEditDialog(const Job &job, Choices choices, QWidget *parent = nullptr);

    // A job for a new one: the system's zone, the first persona, the defaults of Job.
    static Job newJob(const QStringList &personas);
    QString originalName() const { return m_original.name; }
    // The job as the fields say it.
    Job job() const;
    // What is wrong with it (none: OK is enabled).
    std::optional<JobStore::Problem> problem() const { return m_problem; }
    // The schedule's next runs are counted from this time instead of now (tests).
    void setPreviewFrom(const QDateTime &from);
    QStringList previewTexts() const;

    void accept() override;

private:
    void load(const Job &job);
    void updateSchedule();
    void updateCommandRows();
    void validate();
    QLabel *addRow(QFormLayout *form, const QString &label, QWidget *field, const QString &problemKey);

    Job m_original;
    Choices m_choices;
    QDateTime m_previewFrom;
    std::optional<JobStore::Problem> m_problem;
    QHash<QString, QLabel *> m_problems; // by JobStore::Problem::field

    QLineEdit *m_name;
    QComboBox *m_persona;
    QComboBox *m_repository;
    QLineEdit *m_baseBranch;
    QRadioButton *m_usePrompt;
    QRadioButton *m_useCommand;
    QPlainTextEdit *m_prompt;
    QLineEdit *m_command;
    QComboBox *m_agent;
    QLineEdit *m_model;
    QComboBox *m_effort;
    ScheduleEdit *m_schedule;
    QLabel *m_scheduleWords;
    QLabel *m_scheduleError;
    QListWidget *m_preview;
    QComboBox *m_zone;
    QSpinBox *m_timeout;
    QDoubleSpinBox *m_softTokens;
    QDoubleSpinBox *m_hardTokens;
    QDoubleSpinBox *m_softCost;
    QDoubleSpinBox *m_hardCost;
    QComboBox *m_overlap;
    QComboBox *m_catchUp;
    QSpinBox *m_catchUpLimit;
    QSpinBox *m_maxLateness;
    QSpinBox *m_retries;
    QSpinBox *m_failureThreshold;
    QCheckBox *m_enabled;
    QLabel *m_otherProblem;
    QDialogButtonBox *m_buttons;
};

} // namespace paddock
