#include "jobs/JobEditDialog.h"

#include "jobs/ScheduleEdit.h"
#include "personas/Persona.h"
#include "personas/PersonaEditDialog.h"
#include "scheduler/CronSchedule.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTimeZone>
#include <QVBoxLayout>

#include <chrono>

namespace paddock {

using namespace Qt::StringLiterals;

namespace {

QLabel *problemLabel(const QString &key)
{
    auto *label = new QLabel;
    label->setObjectName(u"problem-"_s + key);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, ScheduleEdit::ErrorColor);
    label->setPalette(palette);
    label->hide();
    return label;
}

QSpinBox *spin(const char *name, int min, int max, const QString &suffix)
{
    auto *box = new QSpinBox;
    box->setObjectName(QLatin1StringView(name));
    box->setRange(min, max);
    box->setSuffix(suffix);
    return box;
}

QDoubleSpinBox *limit(const char *name, int decimals, double max, const QString &prefix, const QString &none)
{
    auto *box = new QDoubleSpinBox;
    box->setObjectName(QLatin1StringView(name));
    box->setDecimals(decimals);
    box->setRange(0, max);
    box->setPrefix(prefix);
    box->setSpecialValueText(none);
    box->setGroupSeparatorShown(true);
    return box;
}

// The IANA zones the system knows, for the zone's list (the user may type any other name).
QStringList zoneNames()
{
    static const QStringList names = [] {
        QStringList out;
        for (const QByteArray &id : QTimeZone::availableTimeZoneIds())
            if (id.contains('/') || id == "UTC")
                out << QString::fromUtf8(id);
        out.sort();
        return out;
    }();
    return names;
}

} // namespace

Job JobEditDialog::newJob(const QStringList &personas)
{
    Job job;
    job.persona = personas.value(0);
    job.timeZone = CronSchedule::systemZone();
    return job;
}

JobEditDialog::JobEditDialog(const Job &job, Choices choices, QWidget *parent)
    : QDialog(parent)
    , m_original(job)
    , m_choices(std::move(choices))
    , m_name(new QLineEdit)
    , m_persona(new QComboBox)
    , m_repository(new QComboBox)
    , m_baseBranch(new QLineEdit)
    , m_usePrompt(new QRadioButton(tr("The agent, with a &prompt")))
    , m_useCommand(new QRadioButton(tr("A co&mmand instead of an agent")))
    , m_prompt(new QPlainTextEdit)
    , m_command(new QLineEdit)
    , m_agent(new QComboBox)
    , m_model(new QLineEdit)
    , m_effort(new QComboBox)
    , m_schedule(new ScheduleEdit)
    , m_scheduleWords(new QLabel)
    , m_scheduleError(problemLabel(u"schedule"_s))
    , m_preview(new QListWidget)
    , m_zone(new QComboBox)
    , m_timeout(spin("timeoutSpin", 0, 7 * 24 * 60, tr(" min")))
    , m_softTokens(limit("softTokensSpin", 0, 1e12, {}, tr("no limit")))
    , m_hardTokens(limit("hardTokensSpin", 0, 1e12, {}, tr("no limit")))
    , m_softCost(limit("softCostSpin", 2, 1e6, tr("US$"), tr("no limit")))
    , m_hardCost(limit("hardCostSpin", 2, 1e6, tr("US$"), tr("no limit")))
    , m_overlap(new QComboBox)
    , m_catchUp(new QComboBox)
    , m_catchUpLimit(spin("catchUpLimitSpin", 0, 100, {}))
    , m_maxLateness(spin("maxLatenessSpin", 0, 31 * 24 * 60, tr(" min")))
    , m_retries(spin("retriesSpin", 0, 10, {}))
    , m_failureThreshold(spin("failureThresholdSpin", 0, 100, {}))
    , m_enabled(new QCheckBox(tr("&Enabled: runs on its schedule")))
    , m_otherProblem(problemLabel(u"other"_s))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel))
{
    setObjectName(u"jobEditDialog"_s);
    setWindowTitle(job.name.isEmpty() ? tr("New job") : tr("Edit job %1").arg(job.name));

    m_name->setObjectName(u"nameEdit"_s);
    m_name->setPlaceholderText(tr("nightly-tests: lowercase letters, digits, hyphens"));
    m_persona->setObjectName(u"personaCombo"_s);
    m_persona->addItems(m_choices.personas);
    m_repository->setObjectName(u"repositoryCombo"_s);
    m_repository->setEditable(true);
    m_repository->addItems(m_choices.repositories);
    m_repository->lineEdit()->setPlaceholderText(tr("/home/you/src/app: a git repository on this computer"));
    auto *browse = new QPushButton(tr("&Browse…"));
    browse->setObjectName(u"repositoryBrowse"_s);
    m_baseBranch->setObjectName(u"baseBranchEdit"_s);
    m_usePrompt->setObjectName(u"promptRadio"_s);
    m_useCommand->setObjectName(u"commandRadio"_s);
    auto *kind = new QButtonGroup(this);
    kind->addButton(m_usePrompt);
    kind->addButton(m_useCommand);
    m_prompt->setObjectName(u"promptEdit"_s);
    m_prompt->setPlaceholderText(
        tr("What the agent is asked to do, e.g. \"Fix the flaky tests and push a branch\""));
    m_prompt->setTabChangesFocus(true);
    m_prompt->setFixedHeight(m_prompt->fontMetrics().lineSpacing() * 4 + 12);
    m_command->setObjectName(u"commandEdit"_s);
    m_command->setPlaceholderText(tr("make -k test"));
    m_agent->setObjectName(u"agentCombo"_s);
    m_agent->addItem(tr("The persona's"), QString());
    for (const QString &name : Job::agentNames())
        m_agent->addItem(name, name);
    m_model->setObjectName(u"modelEdit"_s);
    m_model->setPlaceholderText(tr("the persona's"));
    m_effort->setObjectName(u"effortCombo"_s);
    m_effort->addItem(tr("The persona's"), QString());
    for (const QString &level : Persona::Agent::effortLevels())
        m_effort->addItem(level, level);

    m_schedule->setObjectName(u"scheduleEdit"_s);
    m_schedule->setPlaceholderText(tr("30 2 * * 1-5, @daily, or \"on start\""));
    m_scheduleWords->setObjectName(u"scheduleWords"_s);
    m_scheduleWords->setWordWrap(true);
    m_preview->setObjectName(u"nextRunsList"_s);
    m_preview->setSelectionMode(QAbstractItemView::NoSelection);
    m_preview->setFocusPolicy(Qt::NoFocus);
    m_preview->setFixedHeight(m_preview->fontMetrics().height() * (PreviewCount + 1) + 8);
    m_zone->setObjectName(u"timeZoneCombo"_s);
    m_zone->setEditable(true);
    m_zone->setInsertPolicy(QComboBox::NoInsert);
    m_zone->addItems(zoneNames());
    m_zone->completer()->setFilterMode(Qt::MatchContains);
    m_zone->completer()->setCaseSensitivity(Qt::CaseInsensitive);

    m_overlap->setObjectName(u"overlapCombo"_s);
    m_overlap->addItem(tr("Skip the new run while one still runs"), int(Job::Overlap::Forbid));
    m_overlap->addItem(tr("Run both"), int(Job::Overlap::Allow));
    m_overlap->addItem(tr("Cancel the running one, start the new one"), int(Job::Overlap::Replace));
    m_catchUp->setObjectName(u"catchUpCombo"_s);
    m_catchUp->addItem(tr("Skip them (recorded as missed)"), int(Job::CatchUp::Skip));
    m_catchUp->addItem(tr("Run once for all of them"), int(Job::CatchUp::Latest));
    m_catchUp->addItem(tr("Run each of them, up to a limit"), int(Job::CatchUp::All));
    m_enabled->setObjectName(u"enabledCheck"_s);
    m_buttons->setObjectName(u"buttons"_s);

    // The form: each field with its problem right under it.
    auto *whatBox = new QGroupBox(tr("What runs"));
    auto *whatForm = new QFormLayout(whatBox);
    addRow(whatForm, tr("&Name:"), m_name, u"name"_s);
    addRow(whatForm, tr("&Persona:"), m_persona, u"persona"_s);
    auto *repository = new QWidget;
    auto *repositoryLayout = new QHBoxLayout(repository);
    repositoryLayout->setContentsMargins(0, 0, 0, 0);
    repositoryLayout->addWidget(m_repository, 1);
    repositoryLayout->addWidget(browse);
    addRow(whatForm, tr("&Repository:"), repository, u"repository"_s);
    addRow(whatForm, tr("&Base branch:"), m_baseBranch, u"baseBranch"_s);
    whatForm->addRow(m_usePrompt);
    addRow(whatForm, QString(), m_prompt, u"prompt"_s);
    addRow(whatForm, tr("A&gent:"), m_agent, u"agent"_s);
    addRow(whatForm, tr("M&odel:"), m_model, u"model"_s);
    addRow(whatForm, tr("E&ffort:"), m_effort, u"effort"_s);
    whatForm->addRow(m_useCommand);
    addRow(whatForm, QString(), m_command, u"command"_s);

    auto *when = new QGroupBox(tr("When"));
    auto *whenForm = new QFormLayout(when);
    whenForm->addRow(tr("&Schedule:"), m_schedule);
    whenForm->addRow(QString(), m_scheduleError);
    whenForm->addRow(QString(), m_scheduleWords);
    addRow(whenForm, tr("&Time zone:"), m_zone, u"timeZone"_s);
    whenForm->addRow(tr("Next runs:"), m_preview);
    whenForm->addRow(m_enabled);

    auto *rules = new QGroupBox(tr("Limits and rules"));
    auto *rulesForm = new QFormLayout(rules);
    addRow(rulesForm, tr("T&imeout:"), m_timeout, u"timeoutMinutes"_s);
    rulesForm->addRow(tr("Tokens, warn at:"), m_softTokens);
    rulesForm->addRow(tr("Tokens, stop at:"), m_hardTokens);
    rulesForm->addRow(tr("Cost, warn at:"), m_softCost);
    addRow(rulesForm, tr("Cost, stop at:"), m_hardCost, u"budget"_s);
    rulesForm->addRow(tr("When the last run still &runs:"), m_overlap);
    rulesForm->addRow(tr("Runs &missed while off:"), m_catchUp);
    addRow(rulesForm, tr("At most, &caught up:"), m_catchUpLimit, u"catchUpLimit"_s);
    addRow(rulesForm, tr("Too &late after:"), m_maxLateness, u"maxLatenessMinutes"_s);
    addRow(rulesForm, tr("Re&tries (engine away):"), m_retries, u"retries"_s);
    addRow(rulesForm, tr("&Disable after failures in a row:"), m_failureThreshold, u"failureThreshold"_s);
    m_maxLateness->setToolTip(tr("A missed run later than this is not caught up, whatever the rule says."));
    m_retries->setToolTip(
        tr("Retries of a failure that is not the job's own (no container engine), within its slot."));

    auto *form = new QWidget;
    auto *columns = new QHBoxLayout(form);
    auto *left = new QVBoxLayout;
    left->addWidget(whatBox);
    left->addStretch();
    auto *right = new QVBoxLayout;
    right->addWidget(when);
    right->addWidget(rules);
    right->addStretch();
    columns->addLayout(left, 1);
    columns->addLayout(right, 1);
    auto *scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(form);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_otherProblem);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &JobEditDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &JobEditDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        auto *dialog = new QFileDialog(this, tr("The job's repository"), m_repository->currentText());
        dialog->setFileMode(QFileDialog::Directory);
        dialog->setOption(QFileDialog::ShowDirsOnly);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QFileDialog::fileSelected, this,
                [this](const QString &folder) { m_repository->setCurrentText(folder); });
        dialog->open();
    });
    connect(m_usePrompt, &QRadioButton::toggled, this, &JobEditDialog::updateCommandRows);
    connect(m_schedule, &QLineEdit::textChanged, this, &JobEditDialog::updateSchedule);
    connect(m_zone, &QComboBox::currentTextChanged, this, &JobEditDialog::updateSchedule);
    const auto check = [this] { validate(); };
    for (QLineEdit *edit : {m_name, m_baseBranch, m_command, m_model, m_repository->lineEdit()})
        connect(edit, &QLineEdit::textChanged, this, check);
    connect(m_prompt, &QPlainTextEdit::textChanged, this, check);
    for (QComboBox *combo : {m_persona, m_agent, m_effort, m_overlap, m_catchUp})
        connect(combo, &QComboBox::currentIndexChanged, this, check);
    connect(m_catchUp, &QComboBox::currentIndexChanged, this, [this] {
        m_catchUpLimit->setEnabled(Job::CatchUp(m_catchUp->currentData().toInt()) == Job::CatchUp::All);
    });
    for (QSpinBox *box : {m_timeout, m_catchUpLimit, m_maxLateness, m_retries, m_failureThreshold})
        connect(box, &QSpinBox::valueChanged, this, check);
    for (QDoubleSpinBox *box : {m_softTokens, m_hardTokens, m_softCost, m_hardCost})
        connect(box, &QDoubleSpinBox::valueChanged, this, check);
    connect(m_enabled, &QCheckBox::toggled, this, check);

    load(job);
    resize(980, 720);
}

QLabel *JobEditDialog::addRow(QFormLayout *form, const QString &label, QWidget *field,
                              const QString &problemKey)
{
    form->addRow(label, field);
    QLabel *problem = problemLabel(problemKey);
    form->addRow(QString(), problem);
    m_problems.insert(problemKey, problem);
    return problem;
}

void JobEditDialog::load(const Job &job)
{
    m_name->setText(job.name);
    if (m_persona->findText(job.persona) < 0 && !job.persona.isEmpty())
        m_persona->addItem(job.persona); // not (or no longer) a persona: validation says so
    m_persona->setCurrentText(job.persona);
    m_repository->setCurrentText(job.repository);
    m_baseBranch->setText(job.baseBranch);
    const bool command = !job.command.isEmpty();
    m_useCommand->setChecked(command);
    m_usePrompt->setChecked(!command);
    m_prompt->setPlainText(job.prompt);
    m_command->setText(PersonaEditDialog::commandText(job.command));
    m_agent->setCurrentIndex(std::max(0, m_agent->findData(job.agent)));
    m_model->setText(job.model);
    m_effort->setCurrentIndex(std::max(0, m_effort->findData(job.effort)));
    m_schedule->setText(job.schedule);
    m_zone->setCurrentText(job.timeZone.isEmpty() ? CronSchedule::systemZone() : job.timeZone);
    m_timeout->setValue(job.timeoutMinutes);
    m_softTokens->setValue(double(job.softTokens));
    m_hardTokens->setValue(double(job.hardTokens));
    m_softCost->setValue(job.softCostUsd);
    m_hardCost->setValue(job.hardCostUsd);
    m_overlap->setCurrentIndex(m_overlap->findData(int(job.overlap)));
    m_catchUp->setCurrentIndex(m_catchUp->findData(int(job.catchUp)));
    m_catchUpLimit->setValue(job.catchUpLimit);
    m_catchUpLimit->setEnabled(job.catchUp == Job::CatchUp::All);
    m_maxLateness->setValue(job.maxLatenessMinutes);
    m_retries->setValue(job.retries);
    m_failureThreshold->setValue(job.failureThreshold);
    m_enabled->setChecked(job.enabled);
    if (!job.enabled && !job.disabledReason.isEmpty())
        m_enabled->setToolTip(tr("Disabled: %1").arg(job.disabledReason));
    updateCommandRows();
    updateSchedule();
}

Job JobEditDialog::job() const
{
    Job j = m_original;
    j.name = m_name->text().trimmed();
    j.persona = m_persona->currentText();
    j.repository = m_repository->currentText().trimmed();
    j.baseBranch = m_baseBranch->text().trimmed();
    if (m_useCommand->isChecked()) {
        j.command = QProcess::splitCommand(m_command->text());
        j.prompt.clear();
        j.agent.clear();
        j.model.clear();
        j.effort.clear();
    } else {
        j.command.clear();
        j.prompt = m_prompt->toPlainText();
        j.agent = m_agent->currentData().toString();
        j.model = m_model->text().trimmed();
        j.effort = m_effort->currentData().toString();
    }
    j.schedule = m_schedule->text().trimmed();
    j.timeZone = m_zone->currentText().trimmed();
    j.timeoutMinutes = m_timeout->value();
    j.softTokens = qint64(m_softTokens->value());
    j.hardTokens = qint64(m_hardTokens->value());
    j.softCostUsd = m_softCost->value();
    j.hardCostUsd = m_hardCost->value();
    j.overlap = Job::Overlap(m_overlap->currentData().toInt());
    j.catchUp = Job::CatchUp(m_catchUp->currentData().toInt());
    j.catchUpLimit = m_catchUpLimit->value();
    j.maxLatenessMinutes = m_maxLateness->value();
    j.retries = m_retries->value();
    j.failureThreshold = m_failureThreshold->value();
    j.enabled = m_enabled->isChecked();
    if (j.enabled)
        j.disabledReason.clear();
    else if (m_original.enabled || j.disabledReason.isEmpty())
        j.disabledReason = tr("disabled by you");
    return j;
}

void JobEditDialog::setPreviewFrom(const QDateTime &from)
{
    m_previewFrom = from;
    updateSchedule();
}

QStringList JobEditDialog::previewTexts() const
{
    QStringList texts;
    for (int i = 0; i < m_preview->count(); ++i)
        texts << m_preview->item(i)->text();
    return texts;
}

void JobEditDialog::updateCommandRows()
{
    const bool command = m_useCommand->isChecked();
    m_prompt->setEnabled(!command);
    m_agent->setEnabled(!command);
    m_model->setEnabled(!command);
    m_effort->setEnabled(!command);
    m_command->setEnabled(command);
    validate();
}

void JobEditDialog::updateSchedule()
{
    m_preview->clear();
    const QString text = m_schedule->text();
    const auto expression = CronExpression::parse(text.trimmed());
    if (!expression) {
        // The column is in the trimmed text; the underline is in the text as typed.
        int lead = 0;
        while (lead < text.size() && text[lead].isSpace())
            ++lead;
        m_schedule->setError(expression.error().column + lead, expression.error().length);
        m_scheduleError->setText(text.trimmed().isEmpty()
                                     ? tr("Give a schedule, e.g. 30 2 * * 1-5 (02:30 on weekdays).")
                                     : expression.error().text());
        m_scheduleError->show();
        m_scheduleWords->clear();
        validate();
        return;
    }
    m_schedule->clearError();
    m_scheduleError->hide();
    m_scheduleWords->setText(expression->describe());
    const QString zoneName = m_zone->currentText().trimmed();
    if (expression->isOnStart()) {
        m_preview->addItem(tr("When Paddock starts"));
    } else if (auto schedule = CronSchedule::create(*expression, zoneName); schedule) {
        const QTimeZone zone(zoneName.toUtf8());
        const QDateTime from = m_previewFrom.isValid() ? m_previewFrom : QDateTime::currentDateTimeUtc();
        auto t = CronSchedule::Instant{std::chrono::seconds{from.toSecsSinceEpoch()}};
        for (int i = 0; i < PreviewCount; ++i) {
            const auto next = schedule->next(t);
            if (!next) {
                m_preview->addItem(i == 0 ? tr("Never: no such time in the next 50 years") : tr("No more"));
                break;
            }
            const QDateTime local =
                QDateTime::fromSecsSinceEpoch(next->time_since_epoch().count(), QTimeZone::UTC)
                    .toTimeZone(zone);
            m_preview->addItem(QLocale().toString(local, u"ddd yyyy-MM-dd HH:mm t"_s));
            t = *next;
        }
    }
    validate();
}

void JobEditDialog::validate()
{
    const Job j = job();
    m_problem = JobStore::validate(j);
    if (!m_problem && m_choices.otherNames.contains(j.name))
        m_problem = JobStore::Problem{-1, u"name"_s, tr("another job is named \"%1\"").arg(j.name), 0};
    if (!m_problem && !m_choices.personas.isEmpty() && !m_choices.personas.contains(j.persona))
        m_problem = JobStore::Problem{-1, u"persona"_s, tr("there is no persona \"%1\"").arg(j.persona), 0};
    for (QLabel *label : std::as_const(m_problems))
        label->hide();
    m_otherProblem->hide();
    if (m_problem && m_problem->field != u"schedule"_s) {
        // Beside its field; a problem of no field of ours under the form.
        QLabel *label = m_problems.value(m_problem->field, m_otherProblem);
        label->setText(m_problem->message);
        label->show();
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_problem);
}

void JobEditDialog::accept()
{
    validate();
    if (m_problem)
        return;
    QDialog::accept();
}

} // namespace paddock
