#pragma once

#include "common/Error.h"
#include "personas/Persona.h"

#include <QDialog>

#include <functional>
#include <optional>

class QDialogButtonBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace paddock {

class PersonaRuntime;

// "Sign in…" on a persona whose agent has a subscription login (SignIn): says what will happen,
// lists the hosts the login reaches from the container and whether the persona's policies let each
// through (with a policy to copy for those they refuse), then, on Sign in, has the runtime start the
// login in a throwaway container of the persona and opens a terminal on it. A busy bar while the
// person signs in in their browser and the terminal; Cancel really cancels (the container goes);
// success says where the credential is kept and that it reaches the agent at its next start; a
// failure is shown here with what to do, and Sign in becomes "Try again".
class SignInDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignInDialog)

public:
    struct Hooks
    {
        // Whether the persona's policies let a connection to host:port through (nullopt: not known).
        std::function<std::optional<bool>(const QString &host, int port)> allows;
        // The command that opens a terminal on `container`'s tmux session, and what starts it.
        std::function<QStringList(const QString &container)> terminalCommand;
        std::function<bool(const QStringList &argv)> launch;
    };
    SignInDialog(const Persona &persona, PersonaRuntime *runtime, Hooks hooks, QWidget *parent = nullptr);
    ~SignInDialog() override;

    // While a sign-in runs, Esc, the window's close button and Cancel cancel it.
    void reject() override;

    // The Cedar policy that lets the refused hosts through (empty: none is refused).
    QString policyForRefused() const;

signals:
    void signedIn(const QString &persona, const QString &secret);

private:
    void start();
    void openTerminal();
    void ready(const QString &container);
    void finished(const QString &secret);
    void failed(const Error &error);
    void setRunning(bool running);

    const Persona m_persona;
    PersonaRuntime *m_runtime;
    Hooks m_hooks;
    QString m_container;
    QStringList m_refused;
    bool m_running = false;
    bool m_cancelling = false;
    QTreeWidget *m_hosts;
    QLabel *m_status;
    QLabel *m_error;
    QProgressBar *m_progress;
    QPushButton *m_start;
    QPushButton *m_terminal;
    QPushButton *m_copyPolicy;
    QDialogButtonBox *m_buttons;
};

} // namespace paddock
