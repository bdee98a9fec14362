#pragma once

#include "common/Error.h"
#include "repo/RepositoryProbe.h"
#include "repo/WorkspaceBuilder.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QPointer>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QWidget;

namespace paddock {

class PersonaRuntime;

// The drop flow's dialog: a folder dropped on a persona becomes that persona's workspace.
//
// On opening it probes the folder (RepositoryProbe, off the UI thread; a busy bar meanwhile). A
// folder that is not a repository, or that a workspace cannot be made of, shows the reason and
// only Close. Otherwise it shows the repository, its current branch (or the commit HEAD is
// detached at), a feature name (suggested from the folder and today's date, checked as it is
// typed; the branch <persona>/<feature> and the workspace's folder shown), the base (the
// repository's branches, the current one chosen), the probe's warnings in amber, and, when the
// persona is running, that it will be restarted with the new workspace.
//
// Create asks the runtime (createWorkspace, queued to its thread) and shows its progress; Cancel
// then cancels (cancelWorkspace) and the dialog stays until the runtime says the workspace was
// removed (workspaceFailed), then closes. A failure is shown in the dialog and Create is offered
// again; on success the branch and the folder are shown with "Copy path". Only the runtime's
// signals about this dialog's persona are heeded.
class WorkspaceDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkspaceDialog)

public:
    enum class Stage {
        Probing,    // looking at the folder
        Refused,    // not something a workspace can be made of (refusal() says why)
        Ready,      // asking for the feature name and base
        Creating,   // the runtime is making it
        Cancelling, // cancelled; waiting for the runtime to have removed what it made
        Failed,     // the runtime could not make it (error() says why); Create is offered again
        Created,    // made, and the persona is starting with it
    };

    WorkspaceDialog(PersonaRuntime *runtime, const QString &persona, const QString &folder,
                    QWidget *parent = nullptr);
    ~WorkspaceDialog() override;

    QString persona() const { return m_persona; }
    QString folder() const { return m_folder; }
    Stage stage() const { return m_stage; }
    // What the probe found (valid once past Probing, unless refused).
    const RepositoryInfo &repository() const { return m_info; }
    QString refusal() const;
    QString error() const;
    QString featureName() const;
    QString baseName() const;
    // The branch and the folder the workspace gets with the current feature name.
    QString branchName() const;
    QString workspacePath() const;
    // The workspace as made (valid in Created).
    const Workspace &workspace() const { return m_workspace; }

    // While the workspace is being made, Esc, the window's close button and Cancel cancel it; the
    // dialog stays until the runtime has removed what it made.
    void reject() override;

signals:
    void workspaceCreated(const paddock::Workspace &workspace);

private:
    void probed(const Result<RepositoryInfo> &info);
    void setStage(Stage stage);
    void validate();
    void create();
    void onProgress(const QString &persona, const WorkspaceProgress &progress);
    void onCreated(const QString &persona, const Workspace &workspace);
    void onFailed(const QString &persona, const Error &error);
    // What Create does to the persona: started, or restarted (`restarts`) with the workspace.
    QString restartNote(bool *restarts) const;

    QPointer<PersonaRuntime> m_runtime;
    const QString m_persona;
    const QString m_folder;
    const QString m_dataDir;
    Stage m_stage = Stage::Probing;
    RepositoryInfo m_info;
    Workspace m_workspace;
    QFutureWatcher<Result<RepositoryInfo>> m_probe;

    QLabel *m_intro;
    QProgressBar *m_busy;
    QLabel *m_refusal;
    QWidget *m_details;
    QFormLayout *m_form;
    QLabel *m_repository;
    QLabel *m_head;
    QLineEdit *m_feature;
    QLabel *m_featureProblem;
    QLabel *m_branch;
    QLabel *m_path;
    QComboBox *m_base;
    QLabel *m_warnings;
    QLabel *m_restart;
    QProgressBar *m_progress;
    QLabel *m_phase;
    QLabel *m_error;
    QLabel *m_result;
    QPushButton *m_create;
    QPushButton *m_cancel;
    QPushButton *m_copyPath;
    QPushButton *m_close;
};

} // namespace paddock
