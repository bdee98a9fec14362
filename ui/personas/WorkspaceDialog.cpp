#include "personas/WorkspaceDialog.h"

#include "runtime/PersonaRuntime.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace paddock {

namespace {

const QColor Red(0xb7, 0x1c, 0x1c);
const QColor Amber(0xa8, 0x4b, 0x00); // dark enough to read on a light background

QLabel *makeLabel(const char *name, bool wrap = true)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1StringView(name));
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(wrap);
    return label;
}

void setTextColor(QLabel *label, const QColor &color)
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, color);
    label->setPalette(palette);
}

QString phaseText(const WorkspaceProgress &progress)
{
    const QLocale locale;
    const auto bytes = [&](qint64 n) { return locale.formattedDataSize(n); };
    switch (progress.phase) {
    case WorkspaceProgress::Phase::Mirror:
        return progress.total > 0
                   ? WorkspaceDialog::tr("Mirroring the repository: %1 of %2")
                         .arg(bytes(progress.done), bytes(progress.total))
                   : WorkspaceDialog::tr("Mirroring the repository: %1").arg(bytes(progress.done));
    case WorkspaceProgress::Phase::Copy:
        return progress.total > 0 ? WorkspaceDialog::tr("Copying its objects: %1 of %2")
                                        .arg(bytes(progress.done), bytes(progress.total))
                                  : WorkspaceDialog::tr("Copying its objects: %1").arg(bytes(progress.done));
    case WorkspaceProgress::Phase::Checkout:
        return progress.total > 0 ? WorkspaceDialog::tr("Checking out files: %1 of %2")
                                        .arg(progress.done)
                                        .arg(progress.total)
                                  : WorkspaceDialog::tr("Checking out files: %1").arg(progress.done);
    }
    return {};
}

} // namespace

WorkspaceDialog::WorkspaceDialog(PersonaRuntime *runtime, const QString &persona, const QString &folder,
                                 QWidget *parent)
    : QDialog(parent)
    , m_runtime(runtime)
    , m_persona(persona)
    , m_folder(folder)
    , m_dataDir(runtime ? runtime->dataDir() : QString())
    , m_intro(makeLabel("workspaceIntro"))
    , m_busy(new QProgressBar)
    , m_refusal(makeLabel("workspaceRefusal"))
    , m_details(new QWidget)
    , m_form(new QFormLayout)
    , m_repository(makeLabel("workspaceRepository"))
    , m_head(makeLabel("workspaceHead"))
    , m_feature(new QLineEdit)
    , m_featureProblem(makeLabel("workspaceFeatureProblem"))
    , m_branch(makeLabel("workspaceBranch"))
    , m_path(makeLabel("workspacePath"))
    , m_base(new QComboBox)
    , m_warnings(makeLabel("workspaceWarnings"))
    , m_restart(makeLabel("workspaceRestartNote"))
    , m_progress(new QProgressBar)
    , m_phase(makeLabel("workspacePhase"))
    , m_error(makeLabel("workspaceError"))
    , m_result(makeLabel("workspaceResult"))
    , m_create(new QPushButton(tr("&Create")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_copyPath(new QPushButton(tr("Copy &path")))
    , m_close(new QPushButton(tr("&Close")))
{
    setObjectName(QStringLiteral("workspaceDialog"));
    setWindowTitle(tr("Open %1 as a workspace of %2").arg(QFileInfo(folder).fileName(), persona));
    m_busy->setObjectName(QStringLiteral("workspaceBusy"));
    m_busy->setRange(0, 0); // a busy indicator
    m_busy->setTextVisible(false);
    m_details->setObjectName(QStringLiteral("workspaceDetails"));
    m_feature->setObjectName(QStringLiteral("workspaceFeature"));
    m_feature->setMaxLength(64);
    m_base->setObjectName(QStringLiteral("workspaceBase"));
    m_progress->setObjectName(QStringLiteral("workspaceProgress"));
    m_create->setObjectName(QStringLiteral("workspaceCreate"));
    m_cancel->setObjectName(QStringLiteral("workspaceCancel"));
    m_copyPath->setObjectName(QStringLiteral("workspaceCopyPath"));
    m_close->setObjectName(QStringLiteral("workspaceClose"));
    setTextColor(m_refusal, Red);
    setTextColor(m_featureProblem, Red);
    setTextColor(m_error, Red);
    setTextColor(m_warnings, Amber);
    m_intro->setText(tr("Looking at %1…").arg(folder));

    auto *featureBox = new QWidget;
    auto *featureLayout = new QVBoxLayout(featureBox);
    featureLayout->setContentsMargins(0, 0, 0, 0);
    featureLayout->addWidget(m_feature);
    featureLayout->addWidget(m_featureProblem);
    m_form->addRow(tr("Repository:"), m_repository);
    m_form->addRow(tr("Now:"), m_head);
    m_form->addRow(tr("&Feature name:"), featureBox);
    m_form->addRow(tr("New branch:"), m_branch);
    m_form->addRow(tr("Workspace:"), m_path);
    m_form->addRow(tr("&Base:"), m_base);
    auto *detailsLayout = new QVBoxLayout(m_details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addLayout(m_form);
    detailsLayout->addWidget(m_warnings);
    detailsLayout->addWidget(m_restart);

    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_create, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_copyPath, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancel, QDialogButtonBox::RejectRole);
    buttons->addButton(m_close, QDialogButtonBox::RejectRole);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addWidget(m_busy);
    layout->addWidget(m_refusal);
    layout->addWidget(m_details);
    layout->addWidget(m_progress);
    layout->addWidget(m_phase);
    layout->addWidget(m_error);
    layout->addWidget(m_result);
    layout->addStretch(1);
    layout->addWidget(buttons);
    m_create->setDefault(true);

    connect(m_create, &QPushButton::clicked, this, &WorkspaceDialog::create);
    connect(m_cancel, &QPushButton::clicked, this, &WorkspaceDialog::reject);
    connect(m_close, &QPushButton::clicked, this, &WorkspaceDialog::reject);
    connect(m_copyPath, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_workspace.path);
        m_copyPath->setText(tr("Copied"));
    });
    connect(m_feature, &QLineEdit::textChanged, this, &WorkspaceDialog::validate);
    if (runtime) {
        connect(runtime, &PersonaRuntime::workspaceProgress, this, &WorkspaceDialog::onProgress);
        connect(runtime, &PersonaRuntime::workspaceCreated, this, &WorkspaceDialog::onCreated);
        connect(runtime, &PersonaRuntime::workspaceFailed, this, &WorkspaceDialog::onFailed);
        // Whether Create starts or restarts the persona follows its state.
        connect(runtime, &PersonaRuntime::statusChanged, this, [this](const PersonaStatus &status) {
            if (status.persona == m_persona && (m_stage == Stage::Ready || m_stage == Stage::Failed))
                validate();
        });
    }
    connect(&m_probe, &QFutureWatcher<Result<RepositoryInfo>>::finished, this,
            [this] { probed(m_probe.result()); });

    setStage(Stage::Probing);
    resize(600, sizeHint().height());
    // It reads the status and walks HEAD's tree: never on this thread.
    m_probe.setFuture(QtConcurrent::run([folder] { return RepositoryProbe::probe(folder); }));
}

WorkspaceDialog::~WorkspaceDialog() = default;

QString WorkspaceDialog::refusal() const
{
    return m_refusal->text();
}

QString WorkspaceDialog::error() const
{
    return m_error->text();
}

QString WorkspaceDialog::featureName() const
{
    return m_feature->text().trimmed();
}

QString WorkspaceDialog::baseName() const
{
    return m_base->currentData().toString();
}

QString WorkspaceDialog::branchName() const
{
    return m_persona + u'/' + featureName();
}

QString WorkspaceDialog::workspacePath() const
{
    return WorkspaceBuilder(m_dataDir).workspacePath(m_persona, m_info.name, featureName());
}

void WorkspaceDialog::probed(const Result<RepositoryInfo> &info)
{
    if (!info) {
        m_refusal->setText(tr("This folder cannot be a workspace: %1").arg(info.error().text()));
        return setStage(Stage::Refused);
    }
    m_info = *info;
    if (!m_info.submodules.isEmpty()) {
        // WorkspaceBuilder refuses them too; said here before anything is asked.
        m_refusal->setText(tr("%1 cannot be a workspace: it has submodules (%2), which a workspace cannot "
                              "bring along (the agent's container cannot fetch them).\nDrop a repository "
                              "without submodules, or make their contents part of it.")
                               .arg(m_info.path, m_info.submodules.join(QStringLiteral(", "))));
        return setStage(Stage::Refused);
    }

    const QLocale locale;
    m_repository->setText((m_info.kind == RepositoryInfo::Kind::Bare ? tr("%1, a bare repository at %2")
                                                                     : tr("%1, a work tree at %2"))
                              .arg(m_info.name, m_info.path) +
                          u'\n' +
                          tr("%1 of objects, %2 of files")
                              .arg(locale.formattedDataSize(m_info.objectBytes),
                                   locale.formattedDataSize(m_info.workTreeBytes)));
    m_head->setText(m_info.detached
                        ? tr("HEAD is detached at %1").arg(m_info.headCommit.left(12))
                        : tr("on branch %1 (%2)").arg(m_info.currentBranch, m_info.headCommit.left(12)));
    m_base->clear();
    if (m_info.detached)
        m_base->addItem(tr("HEAD, detached at %1").arg(m_info.headCommit.left(12)), m_info.headCommit);
    for (const QString &branch : std::as_const(m_info.branches))
        m_base->addItem(branch, branch);
    m_base->setCurrentIndex(std::max(0, m_base->findData(m_info.defaultBase())));
    const QStringList warnings = m_info.warnings();
    m_warnings->setText(warnings.join(u'\n'));
    m_warnings->setVisible(!warnings.isEmpty());
    m_feature->setText(RepositoryProbe::suggestFeatureName(QFileInfo(m_info.path).fileName()));
    setStage(Stage::Ready);
    m_feature->setFocus();
    m_feature->selectAll();
}

QString WorkspaceDialog::restartNote(bool *restarts) const
{
    const std::optional<PersonaStatus> status = m_runtime ? m_runtime->status(m_persona) : std::nullopt;
    const bool up = status && (status->state == PersonaStatus::State::Running ||
                               status->state == PersonaStatus::State::Starting);
    *restarts = up;
    if (up && !status->workspace.isEmpty())
        return tr("%1 is running with the workspace %2: it will be restarted with this one.")
            .arg(m_persona, status->workspace);
    if (up)
        return tr("%1 is running without a workspace: it will be restarted with this one.").arg(m_persona);
    return tr("%1 will be started with this workspace.").arg(m_persona);
}

void WorkspaceDialog::validate()
{
    const QString feature = featureName();
    QString problem;
    if (feature.isEmpty())
        problem = tr("Enter a feature name: it names the new branch and the workspace's folder.");
    else if (!RepositoryProbe::isValidFeatureName(feature))
        problem =
            tr("\"%1\" cannot be a feature name: use letters, digits, '-', '_' and '.', at most 64, not "
               "starting with '.' or '-', without \"..\" and not ending in \".lock\" or '.'; for "
               "example %2.")
                .arg(feature, RepositoryProbe::suggestFeatureName(QFileInfo(m_info.path).fileName()));
    m_featureProblem->setText(problem);
    m_featureProblem->setVisible(!problem.isEmpty());
    m_branch->setText(problem.isEmpty() ? branchName() : tr("—"));
    m_path->setText(problem.isEmpty() ? workspacePath() : tr("—"));
    bool restarts = false;
    m_restart->setText(restartNote(&restarts));
    setTextColor(m_restart, restarts ? Amber : palette().color(QPalette::WindowText));
    m_create->setEnabled(problem.isEmpty() && (m_stage == Stage::Ready || m_stage == Stage::Failed));
}

void WorkspaceDialog::setStage(Stage stage)
{
    m_stage = stage;
    const bool asking = stage == Stage::Ready || stage == Stage::Failed;
    const bool working = stage == Stage::Creating || stage == Stage::Cancelling;
    m_intro->setVisible(stage == Stage::Probing);
    m_busy->setVisible(stage == Stage::Probing);
    m_refusal->setVisible(stage == Stage::Refused);
    m_details->setVisible(asking || working);
    m_details->setEnabled(asking);
    m_progress->setVisible(working);
    m_phase->setVisible(working);
    m_error->setVisible(stage == Stage::Failed);
    m_result->setVisible(stage == Stage::Created);
    m_create->setVisible(asking || working);
    m_create->setText(stage == Stage::Failed ? tr("&Try again") : tr("&Create"));
    m_cancel->setVisible(stage == Stage::Probing || asking || working);
    m_cancel->setEnabled(stage != Stage::Cancelling);
    m_copyPath->setVisible(stage == Stage::Created);
    m_close->setVisible(stage == Stage::Refused || stage == Stage::Created);
    if (stage == Stage::Refused || stage == Stage::Created)
        m_close->setDefault(true);
    if (asking)
        validate();
    else
        m_create->setEnabled(false);
    if (stage == Stage::Cancelling)
        m_phase->setText(tr("Cancelling: removing what was made…"));
    // Each stage shows other parts: grow to fit them (never shrink what the user sized).
    layout()->activate();
    if (const QSize hint = sizeHint(); hint.height() > height())
        resize(width(), hint.height());
}

void WorkspaceDialog::create()
{
    if (m_stage != Stage::Ready && m_stage != Stage::Failed)
        return;
    m_error->clear();
    m_progress->setRange(0, 0);
    m_phase->setText(tr("Starting…"));
    setStage(Stage::Creating);
    if (!m_runtime)
        return onFailed(m_persona, Error{Error::Code::Unavailable,
                                         tr("Paddock's engine is not running"),
                                         {},
                                         tr("Restart Paddock, then drop the folder again.")});
    QMetaObject::invokeMethod(
        m_runtime.data(),
        [runtime = m_runtime.data(), persona = m_persona, source = m_info.path, feature = featureName(),
         base = baseName()] { runtime->createWorkspace(persona, source, feature, base); },
        Qt::QueuedConnection);
}

void WorkspaceDialog::reject()
{
    if (m_stage == Stage::Cancelling)
        return; // closes when the runtime has cleaned up
    if (m_stage == Stage::Creating) {
        setStage(Stage::Cancelling);
        if (m_runtime)
            QMetaObject::invokeMethod(
                m_runtime.data(),
                [runtime = m_runtime.data(), persona = m_persona] { runtime->cancelWorkspace(persona); },
                Qt::QueuedConnection);
        return;
    }
    QDialog::reject();
}

void WorkspaceDialog::onProgress(const QString &persona, const WorkspaceProgress &progress)
{
    if (persona != m_persona || m_stage != Stage::Creating)
        return;
    if (progress.total > 0) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(std::min<qint64>(1000, progress.done * 1000 / progress.total)));
    } else {
        m_progress->setRange(0, 0);
    }
    m_phase->setText(phaseText(progress));
}

void WorkspaceDialog::onCreated(const QString &persona, const Workspace &workspace)
{
    if (persona != m_persona || (m_stage != Stage::Creating && m_stage != Stage::Cancelling))
        return;
    const bool wasCancelling = m_stage == Stage::Cancelling;
    m_workspace = workspace;
    QString text = tr("The workspace is made: branch %1 in %2.\n%3 is starting with it.")
                       .arg(workspace.branch, workspace.path, m_persona);
    if (wasCancelling)
        text += u'\n' + tr("It was finished before the cancel reached it.");
    if (!workspace.warnings.isEmpty())
        text += u'\n' + workspace.warnings.join(u'\n');
    m_result->setText(text);
    setStage(Stage::Created);
    emit workspaceCreated(workspace);
}

void WorkspaceDialog::onFailed(const QString &persona, const Error &error)
{
    if (persona != m_persona)
        return;
    if (m_stage == Stage::Cancelling)
        return QDialog::reject(); // what it made is gone
    if (m_stage != Stage::Creating)
        return;
    m_error->setText(tr("The workspace was not made: %1").arg(error.text()));
    setStage(Stage::Failed);
}

} // namespace paddock
