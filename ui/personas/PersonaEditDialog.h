#pragma once

#include "common/Error.h"
#include "personas/Persona.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QPlainTextEdit;
class QLineEdit;
class QSpinBox;

namespace paddock {

// Edits every field of a persona. OK checks the persona together with the others
// (PersonaStore::validate) and stays open with the reason when it is not acceptable; what the
// persona relaxes of the hardening is listed in red as it is ticked.
class PersonaEditDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PersonaEditDialog)

public:
    // `others`: the other personas, which the edited one must not clash with (names, ports).
    PersonaEditDialog(const Persona &persona, QList<Persona> others, QWidget *parent = nullptr);

    QString originalName() const { return m_original.name; }
    // The persona as the fields say, or why they do not make one.
    Result<Persona> persona() const;
    // The reason OK was refused (empty when none).
    QString errorText() const;
    QStringList shownRelaxations() const { return m_shownRelaxations; }

    void accept() override;

    // "a:b, c:d" and back; "8080" alone means the same port on both sides.
    static Result<QList<Persona::Port>> parsePorts(const QString &text);
    static QString portsText(const QList<Persona::Port> &ports);
    // "name:/target, …"
    static Result<QList<Persona::Volume>> parseVolumes(const QString &text);
    static QString volumesText(const QList<Persona::Volume> &volumes);
    // A command line with shell-like quoting.
    static QString commandText(const QStringList &args);

private:
    void load(const Persona &persona);
    void updateRelaxations();
    void updateAgentRows();
    // The network policy mode applies to isolated (moderate, restricted) personas only.
    void updatePolicyModeRow();
    void showError(const QString &text);

    Persona m_original;
    QList<Persona> m_others;
    QStringList m_shownRelaxations;

    QLineEdit *m_name;
    QComboBox *m_trust;
    QLineEdit *m_image;
    QLineEdit *m_entrypoint;
    QComboBox *m_agent;
    QLineEdit *m_model;
    QComboBox *m_effort;
    QCheckBox *m_web;
    QLineEdit *m_agentCommand;
    QPlainTextEdit *m_agentEnv;
    QLabel *m_agentKey;
    QFormLayout *m_agentForm = nullptr;
    QLineEdit *m_ports;
    QLineEdit *m_volumes;
    QLineEdit *m_sshKey;
    QCheckBox *m_deployKey;
    QComboBox *m_auditFailMode;
    QComboBox *m_policyMode;
    QSpinBox *m_proxyLoopback;
    QFormLayout *m_general = nullptr;
    QSpinBox *m_memory;
    QDoubleSpinBox *m_cpus;
    QSpinBox *m_pids;
    QSpinBox *m_nofile;
    QSpinBox *m_nproc;
    QSpinBox *m_tmp;
    QCheckBox *m_writableRoot;
    QCheckBox *m_rootUser;
    QLineEdit *m_capabilities;
    QLabel *m_relaxations;
    QLabel *m_error;
};

} // namespace paddock
