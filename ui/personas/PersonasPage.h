#pragma once

#include "common/Error.h"
#include "personas/Persona.h"
#include "runtime/EngineClient.h"
#include "runtime/PersonaRuntime.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QWidget>

#include <functional>

class QFrame;
class QLabel;
class QPushButton;
class QScrollArea;
class QVBoxLayout;

namespace paddock {

class ImageBuildDialog;
class LogViewer;
class PersonaCard;
class WorkspaceDialog;

// The Personas window: a card per persona with its state, trust, uptime, sparklines, ports and
// workspace, and the actions on it; when there is no container engine, what to do about it.
//
// Everything it shows comes in through the apply… slots, which the constructor connects to the
// runtime's signals; everything it asks for goes out through the …Requested signals, which it
// connects to the runtime's slots (queued: the runtime lives on its own thread). Without a
// runtime (nullptr) the page only shows and asks, which is what the tests drive.
class PersonasPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PersonasPage)

public:
    static constexpr int LogTail = 500;       // lines of history a log viewer starts with
    static constexpr int RetryPauseMs = 2000; // Retry now is not offered again sooner

    explicit PersonasPage(PersonaRuntime *runtime, QWidget *parent = nullptr);
    ~PersonasPage() override;

    QList<PersonaCard *> cards() const;
    PersonaCard *card(const QString &name) const;
    // The personas whose cards are on screen (what the runtime samples stats for).
    QStringList watched() const { return m_watched; }
    bool isEngineConnected() const { return m_engineConnected; }
    // "podman" or "docker": the command line tool that goes with the engine.
    QString engineCommand() const { return m_engineCommand; }
    // The command that opens a shell in a persona's container.
    QString shellCommand(const QString &persona) const;
    LogViewer *logViewer(const QString &persona) const;
    // The workspace dialog open for a persona (one at a time), if any.
    WorkspaceDialog *workspaceDialog(const QString &persona) const;
    // The "Build agent image" dialog open for an image, if any.
    ImageBuildDialog *imageBuildDialog(const QString &image) const;
    // Whether the engine said it does not have `image` (checked when it connects, when the
    // personas change and when a start fails with "not found").
    bool isImageMissing(const QString &image) const { return m_missingImages.contains(image); }
    // Whether it is an agent image built from another recipe than this Paddock's (its agents and
    // entrypoint another version's): the cards offer "Update agents…".
    bool isImageOutdated(const QString &image) const { return m_outdatedImages.contains(image); }
    // The last thing said on the page's message line.
    QString message() const;

    // Open terminal: the terminal emulator (Preferences; empty: x-terminal-emulator -e) running
    // the engine's exec -it into the persona's tmux session. Empty when the engine is not known.
    void setTerminal(const QString &terminal) { m_terminal = terminal; }
    // Where the engine is, for a page without a runtime (tests).
    void setEngineEndpoint(const EngineClient::Endpoint &endpoint) { m_endpoint = endpoint; }
    // Asks the engine again about the personas' images (missing, outdated); done when it connects.
    void recheckImages() { checkImages(personaImages()); }
    QStringList terminalCommandFor(const QString &persona) const;
    // Starts a program without waiting for it (QProcess::startDetached; tests put their own).
    using Launcher = std::function<bool(const QStringList &argv)>;
    void setLauncher(Launcher launcher) { m_launch = std::move(launcher); }
    // Whether a persona's policies let a connection to host:port through (the egress proxy's
    // decision by name), for the sign-in's hosts. Unset: not known.
    using PolicyCheck = std::function<std::optional<bool>(const Persona &, const QString &host, int port)>;
    void setPolicyCheck(PolicyCheck check) { m_policyCheck = std::move(check); }
    // "Sign in…": the persona's SignInDialog (open, not exec).
    void signIn(const QString &persona);
    // Whether "Open in VS Code" is offered (`code` found on PATH, looked up off the UI thread).
    bool isVsCodeAvailable() const { return m_vscode; }
    void setVsCodeAvailable(bool available);

public slots:
    void applyPersonas(const QList<paddock::Persona> &personas);
    void applyStatus(const paddock::PersonaStatus &status);
    void applySample(const paddock::PersonaSample &sample);
    void applyEngine(bool connected, const QString &description);
    void applyLogLines(const QString &persona, const QList<paddock::EngineClient::LogLine> &lines);
    void applyActionFinished(const QString &persona, const QString &action);
    void applyActionFailed(const QString &persona, const QString &action, const paddock::Error &error);
    void applyStoreFailed(const paddock::Error &error);

    // The actions, as the cards' buttons ask for them.
    void openLogs(const QString &persona);
    void copyShellCommand(const QString &persona);
    // Says how it went on the card too; the tray shows a failure itself (its window may be hidden).
    Result<void> openTerminal(const QString &persona);
    void openVsCode(const QString &persona);
    void editPersona(const QString &persona);
    void duplicatePersona(const QString &persona);
    void deletePersona(const QString &persona);
    // Opens the workspace dialog for a dropped folder (or raises the one already open for it).
    void openWorkspace(const QString &persona, const QString &localPath);
    // Opens "Build agent image" for the persona's image.
    void buildImage(const QString &persona);

signals:
    void startRequested(const QString &persona);
    void stopRequested(const QString &persona);
    void restartRequested(const QString &persona);
    void stopAllRequested();
    void updateRequested(const QString &persona, const paddock::Persona &edited);
    void duplicateRequested(const QString &persona, const QString &newName);
    void removeRequested(const QString &persona, bool removeVolumes);
    void followLogsRequested(const QString &persona, int tail);
    void unfollowLogsRequested(const QString &persona);
    void watchedChanged(const QStringList &personas);
    void reconnectRequested();
    // A local folder was dropped on a persona's card: open it as that persona's workspace.
    void workspaceRequested(const QString &persona, const QString &localPath);
    // "Suggest policy…" on a record-mode persona's card: draft a policy from its audit events.
    void suggestPolicyRequested(const QString &persona);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void connectRuntime(PersonaRuntime *runtime);
    PersonaCard *addCard(const Persona &persona);
    void scheduleWatchUpdate();
    void updateWatched();
    void showMessage(const QString &text, bool problem);
    QString uniqueName(const QString &base) const;
    QStringList personaImages() const; // the personas' images, each once
    // Asks the engine, off the UI thread, whether these images exist; the cards follow.
    void checkImages(const QStringList &images);
    void applyImageCheck(const QHash<QString, bool> &missing);
    void applyImageBuilt(const QString &image);
    std::optional<Persona> findPersona(const QString &name) const;
    QList<Persona> personasExcept(const QString &name) const;

    QList<Persona> m_personas;
    QHash<QString, PersonaCard *> m_cards;
    QHash<QString, PersonaStatus> m_statuses; // also for cards that do not exist yet
    QHash<QString, QPointer<LogViewer>> m_logViewers;
    QPointer<PersonaRuntime> m_runtime;
    QHash<QString, QPointer<WorkspaceDialog>> m_workspaceDialogs; // by persona
    QHash<QString, QPointer<ImageBuildDialog>> m_imageDialogs;    // by image
    QSet<QString> m_missingImages;
    QStringList m_watched;
    bool m_engineConnected = false;
    QString m_engineCommand = QStringLiteral("podman");
    QString m_terminal;
    Launcher m_launch;
    PolicyCheck m_policyCheck;
    std::optional<EngineClient::Endpoint> m_endpoint; // without a runtime, or before it reached one
    // Where the runtime last reached the engine, else m_endpoint.
    std::optional<EngineClient::Endpoint> engineEndpoint() const;
    // The terminal emulator's command line attached to `container`'s tmux session (empty: no engine).
    QStringList terminalCommandOn(const QString &container) const;
    QSet<QString> m_outdatedImages; // agent images of another recipe: "Update agents…"
    bool m_vscode = false;
    QTimer m_watchTimer;

    QFrame *m_noEngine;
    QLabel *m_noEngineText;
    QPushButton *m_retry;
    QLabel *m_engineLabel;
    QPushButton *m_stopAll;
    QLabel *m_message;
    QLabel *m_empty;
    QScrollArea *m_scroll;
    QWidget *m_list;
    QVBoxLayout *m_listLayout;
};

} // namespace paddock
